// PostGraphile 5 as the side-by-side benchmark runs it (run.sh copies this
// file next to the node_modules it installs, so that the imports resolve).
//
// Production-like: the Amber preset over the public schema, no watch mode,
// no GraphiQL, no explain, no subscriptions (pubsub off: no LISTEN
// connection), started with NODE_ENV=production. Its pool is as large as
// Quire's request pool (20) unless QBENCH_PG_POOL says otherwise, so that
// neither side queues for connections the other has.
import { PostGraphileAmberPreset } from "postgraphile/presets/amber";
import { makePgService } from "postgraphile/adaptors/pg";

const connectionString = process.env.QBENCH_DATABASE_URL;
if (!connectionString) throw new Error("QBENCH_DATABASE_URL is not set");

/** @type {GraphileConfig.Preset} */
const preset = {
  extends: [PostGraphileAmberPreset],
  pgServices: [
    makePgService({
      connectionString,
      schemas: ["public"],
      pubsub: false,
      poolConfig: { max: Number(process.env.QBENCH_PG_POOL ?? 20) },
    }),
  ],
  grafserv: {
    host: "127.0.0.1",
    port: Number(process.env.QBENCH_PORT ?? 0),
    graphqlPath: "/graphql",
    graphiql: false,
    graphiqlOnGraphQLGET: false,
    watch: false,
    websockets: false,
  },
  grafast: { explain: false },
};

export default preset;
