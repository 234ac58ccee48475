// Preloaded into a server by profile-alloc.ts (`node --import`): V8's sampling heap profiler, keeping
// the samples of objects the scavenger and the full collector have already freed, so the profile is
// what the process allocated, not what it still holds. The first SIGUSR2 starts sampling (after the
// caller's warm-up); the second writes the profile to BENCH_ALLOC_PROF_FILE.
import { Session } from 'node:inspector';
import { writeFileSync } from 'node:fs';

const session = new Session();
session.connect();
let sampling = false;
process.on('SIGUSR2', () => {
  if (!sampling) {
    sampling = true;
    session.post('HeapProfiler.startSampling', {
      samplingInterval: 4096,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
    return;
  }
  session.post('HeapProfiler.stopSampling', (err, result) => {
    writeFileSync(process.env.BENCH_ALLOC_PROF_FILE, JSON.stringify(err ? { error: String(err) } : result.profile));
  });
});
