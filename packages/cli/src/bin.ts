#!/usr/bin/env node
/**
 * The `effect-clerk` bin: `Cli.main` over fetch on Node. The exit code is the command's (0, 1, 2);
 * Ctrl-C interrupts the command, which ends with 130 once it has written what it must (a second
 * Ctrl-C exits at once: the runtime's handler is gone by then).
 *
 * @since 0.1.0
 */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Cli from "./Cli.js"

Cli.main(process.argv).pipe(
  Effect.provide(Layer.merge(NodeContext.layer, FetchHttpClient.layer)),
  NodeRuntime.runMain({
    disableErrorReporting: true,
    // The platform's teardown exits 0 on an interrupt; a command line says 130 (128 + SIGINT).
    teardown: (exit, onExit) => {
      const code = Exit.isSuccess(exit)
        ? (typeof exit.value === "number" ? exit.value : 0)
        : Cause.isInterruptedOnly(exit.cause)
        ? 130
        : 1
      process.exitCode = code
      onExit(code)
    }
  })
)
