// Invokes a built function once, as its own process, the way Lambda's runtime does:
//   node invoke-function.js <bundle> <event.json> <remaining ms> <result.json>
// The handler's log lines go to this process's standard output, as on Lambda; its response,
// when it returned and when the invocation would have timed out go to <result.json>.
"use strict";
const fs = require("fs");

const [bundle, eventFile, remaining, resultFile] = process.argv.slice(2);
const endsAt = Date.now() + Number(remaining);
const context = {
  functionName: "orders-test-ProcessOrderLambda",
  awsRequestId: "00000000-0000-4000-8000-000000000000",
  getRemainingTimeInMillis: () => Math.max(0, endsAt - Date.now()),
};
const { handler } = require(bundle);
handler(JSON.parse(fs.readFileSync(eventFile, "utf8")), context).then((response) => {
  fs.writeFileSync(resultFile, JSON.stringify({ response, returnedAt: Date.now(), endsAt }));
});
