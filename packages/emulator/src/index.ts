/**
 * @since 0.1.0
 */
export * as ClerkEmulator from "./ClerkEmulator.js"
/**
 * @since 0.1.0
 */
export * as Fault from "./Fault.js"
