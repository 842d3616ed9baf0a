// The browser test's safety net: started detached by lab.test.mjs, it waits
// for the test process to end and, if the test could not clean up after
// itself (killed by SIGKILL, crashed), ends the processes of the run and
// removes its scratch folder. A test that cleaned up leaves it nothing to do.
//
//   node reaper.mjs TEST_PID TAG SCRATCH_DIR
//
// It does not carry the run's tag itself, so it is never among the processes
// it ends.

import fs from 'node:fs';

import { describe, reap, tagged } from './procs.mjs';

const [pid, tag, scratch] = process.argv.slice(2);
if (!pid || !tag) {
  console.error('usage: node reaper.mjs TEST_PID TAG [SCRATCH_DIR]');
  process.exit(2);
}

function alive(p) {
  try {
    process.kill(Number(p), 0);
    return true;
  } catch (e) {
    return e.code === 'EPERM';
  }
}

// The test ends it with SIGTERM when it finished normally.
process.on('SIGTERM', () => process.exit(0));

const timer = setInterval(async () => {
  if (alive(pid)) return;
  clearInterval(timer);
  const left = tagged(tag);
  if (left.length) {
    const { survivors } = await reap(tag);
    const msg = `browser test (pid ${pid}) ended without cleaning up; its processes were ended:\n${describe(left)}` +
      (survivors.length ? `\nstill running:\n${describe(survivors)}` : '');
    try {
      fs.writeSync(2, `reaper: ${msg}\n`);
    } catch {
      // no stderr left
    }
  }
  if (scratch && fs.existsSync(scratch)) fs.rmSync(scratch, { recursive: true, force: true });
  process.exit(0);
}, 1000);
