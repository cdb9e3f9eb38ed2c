/**
 * The Effect-native client for Clerk's Backend API Invitations.
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * as ClerkClient from "./ClerkClient.js"
/** @since 0.1.0 */
export * as ClerkError from "./ClerkError.js"
/** @since 0.1.0 */
export * as Importer from "./Importer.js"
/** @since 0.1.0 */
export * as Invitation from "./Invitation.js"
/** @since 0.1.0 */
export * as Invitations from "./Invitations.js"
