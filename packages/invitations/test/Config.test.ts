import { ClerkClient, Invitations } from "@effect-clerk/invitations"
import { assert, describe, it } from "@effect/vitest"
import * as Config from "effect/Config"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Ref from "effect/Ref"
import { json, makeFakeHttp } from "./utils.js"

const withEnv = (env: Record<string, string>) => Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))))

const listWith = (config: Layer.Layer<ClerkClient.ClerkClient, unknown, never>) =>
  Effect.flatMap(Invitations.Invitations, (s) => s.list()).pipe(Effect.provide(Invitations.layer.pipe(Layer.provide(config))))

describe("layerConfig", () => {
  it.effect("reads CLERK_SECRET_KEY and CLERK_API_URL", () =>
    Effect.gen(function*() {
      const fake = yield* makeFakeHttp(() => json({ data: [], total_count: 0 }))
      yield* listWith(ClerkClient.layerConfig().pipe(Layer.provide(fake.layer))).pipe(
        withEnv({ CLERK_SECRET_KEY: "sk_test_from_env", CLERK_API_URL: "http://127.0.0.1:4010" })
      )
      const [request] = yield* Ref.get(fake.requests)
      assert.strictEqual(request?.url.toString(), "http://127.0.0.1:4010/v1/invitations?paginated=true")
      assert.strictEqual(request?.headers["authorization"], "Bearer sk_test_from_env")
    }))

  it.effect("without CLERK_API_URL it talks to api.clerk.com", () =>
    Effect.gen(function*() {
      const fake = yield* makeFakeHttp(() => json({ data: [], total_count: 0 }))
      yield* listWith(ClerkClient.layerConfig().pipe(Layer.provide(fake.layer))).pipe(withEnv({ CLERK_SECRET_KEY: "sk_test_x" }))
      const [request] = yield* Ref.get(fake.requests)
      assert.strictEqual(request?.url.origin, "https://api.clerk.com")
    }))

  it.effect("a missing CLERK_SECRET_KEY is a ConfigError that names it", () =>
    Effect.gen(function*() {
      const fake = yield* makeFakeHttp(() => json({ data: [], total_count: 0 }))
      const error = yield* ClerkClient.ClerkClient.pipe(
        Effect.provide(ClerkClient.layerConfig().pipe(Layer.provide(fake.layer))),
        withEnv({}),
        Effect.flip
      )
      assert.include(String(error), "CLERK_SECRET_KEY")
      assert.strictEqual((yield* Ref.get(fake.requests)).length, 0)
    }))

  it.effect("any option can come from the app's own config", () =>
    Effect.gen(function*() {
      const fake = yield* makeFakeHttp(() => json({ data: [], total_count: 0 }))
      const config = ClerkClient.layerConfig({
        secretKey: Config.redacted("MY_CLERK_KEY"),
        apiVersion: Config.string("MY_CLERK_VERSION"),
        timeout: Config.succeed("5 seconds"),
        retry: Config.succeed(false)
      })
      yield* listWith(config.pipe(Layer.provide(fake.layer))).pipe(
        withEnv({ MY_CLERK_KEY: "sk_test_mine", MY_CLERK_VERSION: "2025-11-10" })
      )
      const [request] = yield* Ref.get(fake.requests)
      assert.strictEqual(request?.headers["authorization"], "Bearer sk_test_mine")
      assert.strictEqual(request?.headers["clerk-api-version"], "2025-11-10")
    }))

  it.effect("the options a config leaves out keep their defaults: the key from CLERK_SECRET_KEY, the URL from CLERK_API_URL", () =>
    Effect.gen(function*() {
      const fake = yield* makeFakeHttp(() => json({ data: [], total_count: 0 }))
      const config = ClerkClient.layerConfig({ apiVersion: Config.succeed("2025-11-10") })
      yield* listWith(config.pipe(Layer.provide(fake.layer))).pipe(
        withEnv({ CLERK_SECRET_KEY: "sk_test_from_env", CLERK_API_URL: "http://127.0.0.1:4010" })
      )
      const [request] = yield* Ref.get(fake.requests)
      assert.strictEqual(request?.url.toString(), "http://127.0.0.1:4010/v1/invitations?paginated=true")
      assert.strictEqual(request?.headers["authorization"], "Bearer sk_test_from_env")
      assert.strictEqual(request?.headers["clerk-api-version"], "2025-11-10")
      const missing = yield* Effect.flip(listWith(config.pipe(Layer.provide(fake.layer))).pipe(withEnv({})))
      assert.include(String(missing), "CLERK_SECRET_KEY")
    }))
})
