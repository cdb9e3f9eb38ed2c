/** The minimal app of the bundle benchmark with the official `@clerk/backend`: create, list, revoke. */
import { createClerkClient } from "@clerk/backend"

/** Creates, lists and revokes against `apiUrl`. */
export const main = async (apiUrl: string, secretKey: string): Promise<number> => {
  const clerk = createClerkClient({ secretKey, apiUrl })
  const created = await clerk.invitations.createInvitation({ emailAddress: "ada@example.com" })
  const page = await clerk.invitations.getInvitationList({ limit: 10 })
  await clerk.invitations.revokeInvitation(created.id)
  return page.data.length
}
