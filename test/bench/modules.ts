/** Every benchmark module `run.ts` knows, in run order. Add new modules here. */
import type { BenchModule } from './bench-module.ts';
import { mqttSpecDeliveryBenchmark } from './mqtt-spec-delivery.ts';
import { restListBenchmark } from './rest-list.ts';
import { serverBenchmark } from './server-bench.ts';

/** The registered modules. */
export const BENCH_MODULES: readonly BenchModule[] = [
  serverBenchmark,
  restListBenchmark,
  mqttSpecDeliveryBenchmark,
];
