// check.mjs parses iCalendar files with Mozilla's ical.js (the parser in
// Thunderbird) and fails on any parse error or any event whose start or end is
// floating or in a zone other than its TZID (an all-day event's DATE, which has
// no zone, must say VALUE=DATE). It is run by CI, not by plain
// go test:
//
//   cd /tmp/icaljs && npm init -y && npm install ical.js
//   node /path/to/feed/testdata/icaljs/check.mjs /path/to/feed/testdata/*.ics
//
// .ci/icaljs.sh does this, and sets DOCKETD_ICALJS_DIR so that the Go tests of
// cmd/docketd run this script over the feeds they serve.
//
// ical.js is found next to this script or, failing that, in $DOCKETD_ICALJS_DIR
// or the working directory, so node_modules stays out of the repository.
//
// Exit status: 0 when every file passes, 1 otherwise, 2 on bad usage.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

let ICAL;
try {
  ICAL = (await import('ical.js')).default;
} catch {
  // $DOCKETD_ICALJS_DIR (where `npm install ical.js` was run) first, then the working directory.
  const dir = process.env.DOCKETD_ICALJS_DIR || process.cwd();
  const require = createRequire(pathToFileURL(dir.replace(/\/?$/, '/')).href);
  ICAL = (await import(pathToFileURL(require.resolve('ical.js')).href)).default;
}

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: node check.mjs FILE.ics...');
  process.exit(2);
}

let failed = false;
function fail(file, msg) {
  console.error(`${file}: ${msg}`);
  failed = true;
}

for (const file of files) {
  let root;
  try {
    // A .gz file is a feed as served with Content-Encoding: gzip, decoded by zlib as browsers and calendar apps do.
    const bytes = readFileSync(file);
    const text = (file.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8');
    root = new ICAL.Component(ICAL.parse(text));
  } catch (err) {
    fail(file, `parse error: ${err.message}`);
    continue;
  }
  if (root.name !== 'vcalendar') {
    fail(file, `top component is ${root.name}, want vcalendar`);
    continue;
  }

  const tzids = new Set();
  for (const vtz of root.getAllSubcomponents('vtimezone')) {
    const tzid = vtz.getFirstPropertyValue('tzid');
    const tz = new ICAL.Timezone(vtz);
    ICAL.TimezoneService.register(tz, tzid);
    tzids.add(tzid);
  }

  let events = 0;
  for (const vevent of root.getAllSubcomponents('vevent')) {
    events++;
    const event = new ICAL.Event(vevent);
    const uid = event.uid || '(no UID)';
    for (const [name, time] of [['DTSTART', event.startDate], ['DTEND', event.endDate]]) {
      if (!time) {
        fail(file, `${uid}: no ${name}`);
        continue;
      }
      if (time.isDate) {
        // An all-day event (a filing deadline, a hearing whose time is not known yet) is dated, not timed: RFC 5545
        // gives a DATE no zone, and it must say VALUE=DATE with no TZID.
        const prop = vevent.getFirstProperty(name.toLowerCase());
        if (prop.getParameter('tzid')) {
          fail(file, `${uid}: ${name} is a DATE with a TZID`);
        }
        if (prop.type !== 'date') {
          fail(file, `${uid}: ${name} is a date without VALUE=DATE`);
        }
        continue;
      }
      const zone = time.zone ? time.zone.tzid : 'floating';
      if (zone === 'floating') {
        fail(file, `${uid}: ${name} is floating`);
        continue;
      }
      const param = vevent.getFirstProperty(name.toLowerCase()).getParameter('tzid');
      if (param) {
        if (zone !== param) {
          fail(file, `${uid}: ${name} has TZID ${param} but ical.js put it in ${zone}`);
        }
        if (!tzids.has(param)) {
          fail(file, `${uid}: ${name} TZID ${param} has no VTIMEZONE in the file`);
        }
      } else if (zone !== 'UTC') {
        fail(file, `${uid}: ${name} has no TZID and is not UTC (${zone})`);
      }
      // Converting exercises the VTIMEZONE rules; an unusable zone throws or gives NaN.
      const unix = time.toUnixTime();
      if (!Number.isFinite(unix)) {
        fail(file, `${uid}: ${name} does not convert to UTC`);
      }
    }
  }
  console.log(`${file}: ${events} events, ${tzids.size} time zones`);
}
process.exit(failed ? 1 : 0);
