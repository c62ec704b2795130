/** Names the app gives its stacks and their shared resources. */

/** What every stack's provider tags every resource with; what manages it stays true after leaving CDKTF. */
export function providerDefaultTags(environment: string, stackName: string): Record<string, string> {
  return {
    project: PROJECT_NAME,
    environment,
    "managed-by": "terraform",
    source: `${PROJECT_NAME}/${stackName}`,
  };
}

/** The project's name, in tags and the S3 state key prefix default. */
export const PROJECT_NAME = "order-pipeline";

/** The alias (without `alias/`) of the key that encrypts the state of every stack of a prefix. */
export function stateKeyAliasName(namePrefix: string): string {
  return `${namePrefix}-state`;
}
