import * as fs from "fs";
import * as path from "path";

/**
 * The project root: the nearest folder at or above `from` that holds `cdktf.json`.
 * Works from a source file (`ops/`, `local/`, `main.ts`) and from a built one (`dist/...`).
 */
export function projectRoot(from: string): string {
  let dir = from;
  while (!fs.existsSync(path.join(dir, "cdktf.json"))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`cdktf.json not found in ${from} or any folder above it`);
    dir = parent;
  }
  return dir;
}

/** How to show a path in a message: relative to the working folder when inside it, else absolute. */
export function displayPath(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative === "" || relative.startsWith("..") || path.isAbsolute(relative) ? path.resolve(file) : relative;
}
