/** The test projects: one per package that has tests. */
export default ["packages/undici", "packages/invitations", "packages/emulator", "packages/cli"]
