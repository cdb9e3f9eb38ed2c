/** The test projects: one per package that has tests. */
export default ["packages/invitations", "packages/emulator", "packages/cli"]
