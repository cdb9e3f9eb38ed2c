/**
 * A fast `HttpClient` for Node over `undici`, made for JSON APIs.
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * as UndiciHttpClient from "./UndiciHttpClient.js"
