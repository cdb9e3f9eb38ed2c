/**
 * Every public entry point of every package, so that the strict check (skipLibCheck off) reads
 * each of our declaration files, the deep imports included.
 */
import * as Cli from "@effect-clerk/cli"
import * as Emulator from "@effect-clerk/emulator"
import * as ClerkEmulator from "@effect-clerk/emulator/ClerkEmulator"
import * as Fault from "@effect-clerk/emulator/Fault"
import * as Invitations from "@effect-clerk/invitations"
import * as ClerkClient from "@effect-clerk/invitations/ClerkClient"
import * as ClerkError from "@effect-clerk/invitations/ClerkError"
import * as Importer from "@effect-clerk/invitations/Importer"
import * as Invitation from "@effect-clerk/invitations/Invitation"
import * as InvitationsService from "@effect-clerk/invitations/Invitations"
import * as Undici from "@effect-clerk/undici"
import * as UndiciHttpClient from "@effect-clerk/undici/UndiciHttpClient"

export const surface = {
  Cli,
  Emulator, ClerkEmulator, Fault, Invitations, ClerkClient, ClerkError, Importer, Invitation, InvitationsService,
  Undici, UndiciHttpClient
}
