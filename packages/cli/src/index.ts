/**
 * The `effect-clerk` command line, as a module.
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * as Cli from "./Cli.js"
