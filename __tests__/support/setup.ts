// Adds cdktf's matchers (toHaveResource, toHaveResourceWithProperties, ...): the module
// Testing.setupJest() calls, without loading all of cdktf into every test file.
import { setupJest } from "cdktf/lib/testing/adapters/jest";

setupJest();
