/**
 * What the fixed-response server answers and what the decoding benchmarks read: invitations in
 * Clerk's wire form, shaped like real ones (an `inv_` id, a ticket URL with a JWT-sized ticket),
 * deterministic so that every run and every client sees the same bytes.
 */

/** The secret every client sends; the fixed server does not check it. */
export const secretKey = "sk_test_bench_0123456789abcdefghijklmnopqrstuvwxyz"

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

const pseudoBase62 = (seed: number, length: number): string => {
  let s = ""
  let x = (seed * 2654435761) >>> 0
  for (let i = 0; i < length; i++) {
    x = (x * 1103515245 + 12345) >>> 0
    s += base62.charAt(x % 62)
  }
  return s
}

/** A Clerk-looking invitation id, the same for the same `n`. */
export const invitationId = (n: number): string => `inv_${pseudoBase62(n + 1, 27)}`

const createdAt = 1790718468757
const dayMs = 86_400_000

const ticket = (n: number): string =>
  "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9." +
  Buffer.from(JSON.stringify({ eis: 2592000, exp: 1793310468, iid: "ins_bench", sid: invitationId(n), st: "invitation" }))
    .toString("base64url") +
  "." + pseudoBase62(n + 7, 342)

/** A pending invitation in wire form, as `POST /invitations` and lists return it. */
export const pendingInvitation = (n: number): Record<string, unknown> => ({
  object: "invitation",
  id: invitationId(n),
  email_address: `user${n}@example.com`,
  public_metadata: { team: `team-${n % 7}`, role: n % 2 === 0 ? "member" : "admin" },
  status: "pending",
  url: `https://clerk.bench.example/v1/tickets/accept?ticket=${ticket(n)}`,
  expires_at: createdAt + n + 30 * dayMs,
  created_at: createdAt + n,
  updated_at: createdAt + n
})

/** A revoked invitation, as `POST /invitations/{id}/revoke` returns it: no `url`, `revoked: true`. */
export const revokedInvitation = (n: number): Record<string, unknown> => {
  const { url: _url, ...rest } = pendingInvitation(n)
  return { ...rest, revoked: true, status: "revoked", updated_at: createdAt + n + 1000 }
}

/** A `{ data, total_count }` page of `size` invitations starting at `offset`. */
export const page = (size: number, offset = 0, totalCount = 100_000): { data: Array<Record<string, unknown>>; total_count: number } => ({
  data: Array.from({ length: size }, (_, i) => pendingInvitation(offset + i)),
  total_count: totalCount
})

/** The page sizes the benchmarks list with. */
export const listPageSize = 100
export const decodePageSize = 500

const template = JSON.stringify(pendingInvitation(0))
  .replace(invitationId(0), "@ID@")
  .replace("user0@example.com", "@EMAIL@")
  .replace(/"created_at":\d+/, '"created_at":@CREATED@')

/**
 * The JSON text of a page of a virtual set of `total` invitations, from `offset`: distinct ids and
 * emails, made by patching one template (cheap enough to serve 100,000 invitations quickly).
 */
export const virtualPage = (offset: number, limit: number, total: number): string => {
  const items: Array<string> = []
  for (let n = offset; n < Math.min(total, offset + limit); n++) {
    items.push(
      template.replace("@ID@", `inv_${String(n).padStart(27, "0")}`).replace("@EMAIL@", `user${n}@example.com`)
        .replace("@CREATED@", String(createdAt + n))
    )
  }
  return `{"data":[${items.join(",")}],"total_count":${total}}`
}
