// @ts-check
import eslint from "@eslint/js";
import prettier from "eslint-config-prettier";
import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    ignores: [
      "node_modules/",
      "**/dist/",
      "**/cdktf.out/",
      ".gen/",
      "coverage/",
      "bench-out/",
      "reports/",
      ".stryker-tmp/",
    ],
  },
  eslint.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: "readonly",
        console: "readonly",
        __dirname: "readonly",
        require: "readonly",
        module: "writable",
      },
    },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/no-non-null-assertion": "off",
      "no-restricted-imports": [
        "error",
        {
          paths: [
            {
              name: "@cdktf/provider-aws",
              message:
                "Import the resource by deep path (@cdktf/provider-aws/lib/<resource>): the root costs seconds per synth.",
            },
            {
              name: "@cdktf/provider-archive",
              message: "Import by deep path (@cdktf/provider-archive/lib/<resource>).",
            },
          ],
        },
      ],
    },
  },
  {
    // Constructs take configuration as props only (STYLE.md rule 6).
    files: ["constructs/**/*.ts"],
    rules: {
      "no-restricted-properties": [
        "error",
        {
          object: "process",
          property: "env",
          message: "Constructs take configuration as props, never from process.env.",
        },
      ],
    },
  },
  {
    files: ["**/*.js", "**/*.cjs", "**/*.mjs"],
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
  prettier,
);
