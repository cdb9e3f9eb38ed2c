/**
 * The emulator over real HTTP (Node), and its control endpoints.
 *
 * Everything outside `/__emulator` goes to the emulated API. The control endpoints answer only
 * requests from loopback addresses (127.0.0.0/8, ::1, ::ffff:127.x); anyone else gets 403:
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
import * as HttpServer from "@effect/platform/HttpServer"
import type * as HttpServerError from "@effect/platform/HttpServerError"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as Http from "node:http"
import type { Service } from "../ClerkEmulator.js"
import * as Seed from "./seed.js"
import * as Fault from "../Fault.js"

const Route = Schema.Literal("create", "bulk", "list", "revoke", "*")

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
export const isLoopback = (address: Option.Option<string>): boolean =>
  Option.match(address, {
    onNone: () => false,
    onSome: (a) => a === "::1" || /^(::ffff:)?127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/i.test(a)
  })

const reply = (status: number, body: unknown) => HttpServerResponse.unsafeJson(body, { status })

const decoded = <A, I, E>(schema: Schema.Schema<A, I>, use: (value: A) => Effect.Effect<void, E>) =>
  HttpServerRequest.schemaBodyJson(schema).pipe(
    Effect.flatMap(use),
    Effect.as(reply(200, { ok: true })),
    Effect.catchAll((error) => Effect.succeed(reply(400, { error: String(error) })))
  )

const controlApp = (control: Service, request: HttpServerRequest.HttpServerRequest, path: string) => {
  if (!isLoopback(request.remoteAddress)) {
    return Effect.succeed(reply(403, { error: "the emulator control endpoints answer loopback clients only" }))
  }
  const invitation = /^\/__emulator\/invitations\/([^/]+)\/(accept|expire)$/.exec(path)
  const id = invitation?.[1]
  if (request.method === "POST" && id !== undefined) {
    const action = invitation?.[2] === "accept" ? control.accept : control.expire
    return action(decodeURIComponent(id)).pipe(
      Effect.as(reply(200, { ok: true })),
      Effect.catchTag("EmulatorError", (error) =>
        Effect.succeed(reply(error.reason === "NotFound" ? 404 : 409, { error: error.message })))
    )
  }
  switch (`${request.method} ${path}`) {
    case "POST /__emulator/reset":
      return Effect.as(control.reset, reply(200, { ok: true }))
    case "POST /__emulator/users":
      return decoded(UserBody, (body) => control.seedUser(body.email_address))
    case "POST /__emulator/seed":
      return decoded(Seed.SeedBody, (body) =>
        control.seed({
          count: body.count,
          ...(body.status === undefined ? {} : { status: body.status }),
          ...(body.email_prefix === undefined ? {} : { emailPrefix: body.email_prefix })
        }))
    case "POST /__emulator/faults":
      return decoded(FaultsBody, (body) => control.injectFaults(body.route, toFault(body.fault), body.times))
    case "POST /__emulator/chaos":
      return decoded(ChaosBody, (body) =>
        control.injectChaos({
          rate: body.rate,
          faults: body.faults.map(toFault),
          seed: body.seed,
          routes: body.routes
        }))
    case "GET /__emulator/requests":
      return Effect.map(control.requests, (requests) => reply(200, requests))
    case "GET /__emulator/invitations":
      return Effect.map(control.invitations, (invitations) => reply(200, invitations))
    default:
      return Effect.succeed(reply(404, { error: `no control endpoint ${request.method} ${path}` }))
  }
}

/** The served app: control endpoints under `/__emulator`, the emulated API elsewhere. */
export const app = (api: HttpApp.Default, control: Service): HttpApp.Default =>
  Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
    const path = new URL(request.url, "http://emulator.invalid").pathname
    return path === "/__emulator" || path.startsWith("/__emulator/")
      ? controlApp(control, request, path)
      : api
  })

/** Serves the emulator with Node on `host:port`. */
export const layer = (
  api: HttpApp.Default,
  control: Service,
  options: { readonly port: number; readonly host: string }
): Layer.Layer<HttpServer.HttpServer, HttpServerError.ServeError> =>
  HttpServer.serve(app(api, control)).pipe(
    Layer.provideMerge(
      NodeHttpServer.layer(
        () => Http.createServer({ requestTimeout: 30_000, headersTimeout: 10_000, maxHeaderSize: 16_384 }),
        { port: options.port, host: options.host }
      )
    )
  )
