/**
 * The emulator over real HTTP (Node), and its control endpoints.
 *
 * Everything outside `/__emulator` goes to the emulated API. The control endpoints answer only
 * requests from loopback addresses (127.0.0.0/8, ::1, ::ffff:127.x) addressed to a loopback host
 * (`Host` 127.0.0.0/8, `localhost` or `[::1]`, any port) with no foreign `Origin` (403 otherwise),
 * whose bodies are `Content-Type: application/json` (415 otherwise) of at most `maxBodyBytes`
 * (413 otherwise); see `controlAccess.ts`. A bad body is 400 with one line per problem in
 * `issues`; an invitation id that is not valid percent-encoding is 400. The endpoints are routed
 * by an `HttpRouter` matching paths exactly, as the API's are; any other control path or method
 * (HEAD included) is 404.
 *
 * | method + path | body | effect |
 * |---|---|---|
 * | `POST /__emulator/reset` | — | clear all state |
 * | `POST /__emulator/users` | `{"email_address": "a@b.c"}` | a user owns the email |
 * | `POST /__emulator/seed` | `{"count": 100000, "status": "pending", "email_prefix": "user"}` | insert generated invitations (`seed`; `status` and `email_prefix` optional, at most 1,000,000 a call) |
 * | `POST /__emulator/faults` | `{"route": "create", "fault": {"_tag": "Status", "status": 503}, "times": 2}` | queue faults; `Delay` takes `{"millis": n}` |
 * | `POST /__emulator/chaos` | `{"rate": 0.3, "faults": [...], "seed": 1, "routes": ["create"]}` | random faults |
 * | `GET /__emulator/requests` | — | the received requests (the most recent `requestLogSize`) |
 * | `GET /__emulator/invitations` | — | the stored invitations |
 * | `POST /__emulator/invitations/:id/accept` | — | accept (404 when unknown, 409 when not pending) |
 * | `POST /__emulator/invitations/:id/expire` | — | expire (same) |
 *
 * The Node server caps headers and request time, and Node's parser answers garbage with 400.
 *
 * @internal
 */
import type * as HttpApp from "@effect/platform/HttpApp"
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as HttpServer from "@effect/platform/HttpServer"
import * as HttpServerError from "@effect/platform/HttpServerError"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import * as Http from "node:http"
import type { Service } from "../ClerkEmulator.js"
import * as Fault from "../Fault.js"
import * as ControlAccess from "./controlAccess.js"
import * as Handler from "./handler.js"
import * as Model from "./model.js"
import * as Seed from "./seed.js"

const Route = Model.FaultRoute

/** A fault as JSON: the `Fault` cases, with `Delay` in milliseconds. */
const FaultJson = Schema.Union(
  Schema.TaggedStruct("Status", {
    status: Schema.Int.pipe(Schema.between(100, 599)),
    code: Schema.optional(Schema.String),
    retryAfter: Schema.optional(Schema.Union(Schema.NonNegative, Schema.String)),
    body: Schema.optional(Schema.Unknown)
  }),
  Schema.TaggedStruct("ResetBefore", {}),
  Schema.TaggedStruct("ResetAfter", {}),
  Schema.TaggedStruct("Delay", { millis: Schema.NonNegative }),
  Schema.TaggedStruct("Malformed", {})
)

const toFault = (json: typeof FaultJson.Type): Fault.Fault => {
  switch (json._tag) {
    case "Status":
      return Fault.Status({ status: json.status, code: json.code, retryAfter: json.retryAfter, body: json.body })
    case "ResetBefore":
      return Fault.ResetBefore()
    case "ResetAfter":
      return Fault.ResetAfter()
    case "Delay":
      return Fault.Delay({ duration: Duration.millis(json.millis) })
    case "Malformed":
      return Fault.Malformed()
  }
}

const FaultsBody = Schema.Struct({
  route: Route,
  fault: FaultJson,
  times: Schema.optional(Schema.Int.pipe(Schema.positive()))
})

const ChaosBody = Schema.Struct({
  rate: Schema.Number.pipe(Schema.between(0, 1)),
  faults: Schema.Array(FaultJson),
  seed: Schema.optional(Schema.Number),
  routes: Schema.optional(Schema.Array(Route))
})

const UserBody = Schema.Struct({ email_address: Schema.String })

/** Whether a remote address is a loopback address. */
export const isLoopback = ControlAccess.isLoopback

/** What the control endpoints need to know of the emulator's settings. */
export interface ControlSettings {
  /** Larger control bodies get 413, as the API's do. */
  readonly maxBodyBytes: number
}

const defaultControlSettings: ControlSettings = { maxBodyBytes: 1024 * 1024 }

const reply = (status: number, body: unknown) => HttpServerResponse.unsafeJson(body, { status })

const decodeJson = Schema.decodeUnknownEither(Schema.parseJson())

/** Reads a control body (capped), parses it as JSON and decodes it; a bad one is 400 with one line per problem. */
const decoded = <A, I, E>(
  request: HttpServerRequest.HttpServerRequest,
  settings: ControlSettings,
  schema: Schema.Schema<A, I>,
  use: (value: A) => Effect.Effect<void, E>
) => {
  const decode = Schema.decodeUnknownEither(schema, { errors: "all" })
  return Effect.flatMap(Handler.readBody(request, settings.maxBodyBytes), (body) => {
    if (body.tooLarge) {
      return Effect.succeed(reply(413, { error: `control request bodies are limited to ${settings.maxBodyBytes} bytes` }))
    }
    const text = new TextDecoder().decode(body.bytes)
    if (text.trim() === "") return Effect.succeed(reply(400, { error: "this control endpoint needs a JSON body" }))
    const json = decodeJson(text)
    if (Either.isLeft(json)) return Effect.succeed(reply(400, { error: "the body is not valid JSON" }))
    const value = decode(json.right)
    if (Either.isLeft(value)) {
      const issues = ControlAccess.issueLines(value.left)
      return Effect.succeed(reply(400, { error: `invalid body: ${issues.join("; ")}`, issues }))
    }
    return use(value.right).pipe(
      Effect.as(reply(200, { ok: true })),
      Effect.catchAll((error) => Effect.succeed(reply(400, { error: String(error) })))
    )
  })
}

const ok = reply(200, { ok: true })

/** Accept or expire: the id is percent-decoded once; one that is not valid percent-encoding is 400. */
const invitationAction = (action: Service["accept"]) =>
  Effect.flatMap(HttpRouter.params, ({ id = "" }) => {
    if (id === "") return Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => new HttpServerError.RouteNotFound({ request }))
    const decodedId = Handler.decodeSegment(id)
    if (decodedId === undefined) {
      return Effect.succeed(reply(400, { error: `the invitation id ${JSON.stringify(id)} is not valid percent-encoding` }))
    }
    return action(decodedId).pipe(
      Effect.as(ok),
      Effect.catchTag("EmulatorError", (error) =>
        Effect.succeed(reply(error.reason === "NotFound" ? 404 : 409, { error: error.message })))
    )
  })

/** A control endpoint that reads a JSON body of `schema` and hands it to `use`. */
const withBody = <A, I, E>(settings: ControlSettings, schema: Schema.Schema<A, I>, use: (value: A) => Effect.Effect<void, E>) =>
  Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => decoded(request, settings, schema, use))

/** The control endpoints, routed by `HttpRouter` (see the table above). */
const controlRoutes = (control: Service, settings: ControlSettings) =>
  HttpRouter.empty.pipe(
    HttpRouter.post("/__emulator/reset", Effect.as(control.reset, ok)),
    HttpRouter.post("/__emulator/users", withBody(settings, UserBody, (body) => control.seedUser(body.email_address))),
    HttpRouter.post(
      "/__emulator/seed",
      withBody(settings, Seed.SeedBody, (body) =>
        control.seed({
          count: body.count,
          ...(body.status === undefined ? {} : { status: body.status }),
          ...(body.email_prefix === undefined ? {} : { emailPrefix: body.email_prefix })
        }))
    ),
    HttpRouter.post(
      "/__emulator/faults",
      withBody(settings, FaultsBody, (body) => control.injectFaults(body.route, toFault(body.fault), body.times))
    ),
    HttpRouter.post(
      "/__emulator/chaos",
      withBody(settings, ChaosBody, (body) =>
        control.injectChaos({ rate: body.rate, faults: body.faults.map(toFault), seed: body.seed, routes: body.routes }))
    ),
    HttpRouter.get("/__emulator/requests", Effect.map(control.requests, (requests) => reply(200, requests))),
    HttpRouter.get("/__emulator/invitations", Effect.map(control.invitations, (invitations) => reply(200, invitations))),
    HttpRouter.post("/__emulator/invitations/:id/accept", invitationAction(control.accept)),
    HttpRouter.post("/__emulator/invitations/:id/expire", invitationAction(control.expire))
  )

/** The control app: access rules first, then the routes; anything else is 404 naming the request. */
const controlApp = (control: Service, settings: ControlSettings) => {
  const routed = HttpRouter.withRouterConfig(controlRoutes(control, settings), Handler.routerConfig)
  return (request: HttpServerRequest.HttpServerRequest, path: string) => {
    const refused = ControlAccess.refusal({
      remoteAddress: request.remoteAddress,
      headers: request.headers,
      url: request.url,
      hasBody: ControlAccess.announcesBody(request.headers)
    })
    if (refused !== undefined) return Effect.succeed(reply(refused.status, { error: refused.error }))
    const notFound = Effect.succeed(reply(404, { error: `no control endpoint ${request.method} ${path}` }))
    // the router answers HEAD with a GET route; the control endpoints serve no HEAD
    if (request.method === "HEAD") return notFound
    return routed.pipe(
      Effect.provideService(HttpServerRequest.HttpServerRequest, request.modify({ url: Handler.routablePath(path) })),
      Effect.catchTag("RouteNotFound", () => notFound)
    )
  }
}

/** The path of a request target, or `undefined` when it is not a URL (say `//`). */
const pathOf = (url: string): string | undefined => {
  try {
    return new URL(url, "http://emulator.invalid").pathname
  } catch {
    return undefined
  }
}

/** The served app: control endpoints under `/__emulator`, the emulated API elsewhere. */
export const app = (
  api: HttpApp.Default,
  control: Service,
  settings: ControlSettings = defaultControlSettings
): HttpApp.Default => {
  const controlled = controlApp(control, settings)
  return Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
    const path = pathOf(request.url)
    if (path === undefined) {
      return Effect.succeed(reply(400, { error: `the request target ${JSON.stringify(request.url)} is not a valid URL path` }))
    }
    return path === "/__emulator" || path.startsWith("/__emulator/") ? controlled(request, path) : api
  })
}

/** Serves the emulator with Node on `host:port`. */
export const layer = (
  api: HttpApp.Default,
  control: Service,
  options: { readonly port: number; readonly host: string; readonly maxBodyBytes: number }
): Layer.Layer<HttpServer.HttpServer, HttpServerError.ServeError> =>
  !Number.isInteger(options.port) || options.port < 0 || options.port > 65535
    ? Layer.fail(
      new HttpServerError.ServeError({
        cause: new RangeError(`the port must be a whole number from 0 to 65535, got ${options.port}`)
      })
    )
    : serve(api, control, options)

const serve = (
  api: HttpApp.Default,
  control: Service,
  options: { readonly port: number; readonly host: string; readonly maxBodyBytes: number }
): Layer.Layer<HttpServer.HttpServer, HttpServerError.ServeError> =>
  HttpServer.serve(app(api, control, { maxBodyBytes: options.maxBodyBytes })).pipe(
    Layer.provideMerge(
      NodeHttpServer.layer(
        () => Http.createServer({ requestTimeout: 30_000, headersTimeout: 10_000, maxHeaderSize: 16_384 }),
        { port: options.port, host: options.host }
      )
    )
  )
