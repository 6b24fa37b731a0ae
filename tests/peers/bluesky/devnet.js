// A throwaway Bluesky network for tests: an in-memory PLC directory and one PDS, both on
// 127.0.0.1. Configured from the environment (PDS_* variables); prints READY when serving
// and stops both on SIGTERM.
"use strict";
const { PDS, envToCfg, envToSecrets } = require("@atproto/pds");
const { readEnv } = require("@atproto/pds/dist/config");
const { PlcServer, Database } = require("@did-plc/server");

async function main() {
  const plcPort = Number(process.env.PLC_PORT || 2582);
  const plc = PlcServer.create({ db: Database.mock(), port: plcPort });
  await plc.start();
  const env = readEnv();
  env.didPlcUrl = `http://127.0.0.1:${plcPort}`;
  const pds = await PDS.create(envToCfg(env), envToSecrets(env));
  await pds.start();
  console.log(`READY pds=http://127.0.0.1:${env.port} plc=${env.didPlcUrl}`);
  const stop = async () => {
    await pds.destroy();
    await plc.destroy();
    process.exit(0);
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
