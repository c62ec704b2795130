import { parseCli } from "../local/cli";

describe("npm run local options", () => {
  test("defaults to 200 orders, 5% poison, 4 pollers, a 2 s visibility timeout and the stack's batch size", () => {
    expect(parseCli([])).toEqual({
      stack: "orders-dev",
      out: expect.stringMatching(/cdktf\.out$/),
      orders: 200,
      badShare: 0.05,
      batchSize: undefined,
      concurrency: 4,
      visibilityTimeout: 2,
      timeout: 120,
      verbose: false,
    });
  });

  test("reads every option", () => {
    expect(
      parseCli([
        "--stack=orders-prod",
        "--out=/tmp/out",
        "--orders=1000",
        "--bad-share=0.25",
        "--batch-size=100",
        "--concurrency=8",
        "--visibility-timeout=5",
        "--timeout=30",
        "--verbose",
      ]),
    ).toEqual({
      stack: "orders-prod",
      out: "/tmp/out",
      orders: 1000,
      badShare: 0.25,
      batchSize: 100,
      concurrency: 8,
      visibilityTimeout: 5,
      timeout: 30,
      verbose: true,
    });
  });

  test("answers --help", () => {
    expect(parseCli(["-h"])).toBe("help");
  });

  test.each([
    [["--orders", "abc"], '--orders must be an integer between 1 and 100000 (given "abc")'],
    [["--orders", "0"], '--orders must be an integer between 1 and 100000 (given "0")'],
    [["--bad-share", "1.5"], '--bad-share must be a number between 0 and 1 (given "1.5")'],
    [["--concurrency", "2.5"], '--concurrency must be an integer between 1 and 100 (given "2.5")'],
    [["--visibility-timeout", "0"], '--visibility-timeout must be an integer between 1 and 43200 (given "0")'],
  ])("rejects %j naming the option, the range and the value", (argv, message) => {
    expect(() => parseCli(argv)).toThrow(message);
  });

  test("rejects an unknown option", () => {
    expect(() => parseCli(["--bogus"])).toThrow("Unknown option '--bogus'");
  });
});
