// lwm2m-node-lib's server as the bench peer, driven like bench/fixtures/server-ours.ts:
// prints {"port":N}; stdin commands "stats" and "reads" (Reads of /3/0/<resource> in turn).
'use strict';
const readline = require('node:readline');
const lwm2m = require('lwm2m-node-lib').server;

const out = (x) => process.stdout.write(`${JSON.stringify(x)}\n`);
const port = Number(process.argv[2]);
lwm2m.start({ port, lifetimeCheckInterval: 1000, udpWindow: 100, defaultAcceptFormat: 'text/plain', defaultType: 'Device', logLevel: 'FATAL' }, (error, serverInfo) => {
  if (error) throw error;
  for (const type of ['registration', 'unregistration', 'updateRegistration']) {
    lwm2m.setHandler(serverInfo, type, (...args) => args[args.length - 1](null));
  }
  out({ port });
});

const rl = readline.createInterface({ input: process.stdin });
rl.on('line', (line) => {
  const c = JSON.parse(line);
  if (c.op === 'stats') {
    if (global.gc) global.gc();
    lwm2m.listDevices((e, devices) => out({ rss: process.memoryUsage().rss, heapUsed: process.memoryUsage().heapUsed, registrations: devices.length }));
  } else if (c.op === 'reads') {
    lwm2m.listDevices((e, devices) => {
      const ids = devices.map((d) => d.id);
      const [, object, instance, resource] = c.path.split('/');
      let reads = 0;
      let errors = 0;
      let i = 0;
      let running = 0;
      const started = Date.now();
      const until = started + c.seconds * 1000;
      const next = () => {
        if (Date.now() >= until) {
          if (--running === 0) out({ reads, errors, seconds: (Date.now() - started) / 1000 });
          return;
        }
        lwm2m.read(ids[i++ % ids.length], object, instance, resource, (err) => {
          if (err) errors++;
          else reads++;
          // Its callback can come synchronously (an unknown device): no recursion.
          setImmediate(next);
        });
      };
      for (let k = 0; k < c.inflight; k++) {
        running++;
        next();
      }
    });
  }
});
rl.on('close', () => process.exit(0));
