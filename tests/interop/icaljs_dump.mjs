// Reads .ics files with Mozilla's ical.js (the parser of Thunderbird) and prints, as one
// JSON object keyed by file name, what it makes of every VEVENT.
//
// Usage: node tests/interop/icaljs_dump.mjs FILE...   (ical.js from the repository's
// node_modules, installed by `npm ci` from package-lock.json)
//
// Every VTIMEZONE of a file is registered with ICAL.TimezoneService before any event is
// read (the service is reset per file, so one file's zones never serve another), so a
// TZID time converts through the file's own VTIMEZONE; "start_zone" is the TZID of the
// zone ical.js used ("floating" when it found none, "UTC" for a UTC time, "date" for a
// DATE). Times: a DATE is printed as YYYY-MM-DD, a DATE-TIME as the UTC instant
// YYYY-MM-DDTHH:MM:SSZ.
import { readFileSync } from "node:fs";

import ICAL from "ical.js";

function instant(time) {
  if (time === null || time === undefined) return null;
  if (time.isDate) return time.toString().slice(0, 10);
  return new Date(time.toUnixTime() * 1000).toISOString().replace(".000Z", "Z");
}

function zoneOf(time) {
  if (time === null || time === undefined) return null;
  if (time.isDate) return "date";
  return time.zone ? time.zone.tzid : "floating";
}

function dump(path) {
  const text = readFileSync(path, "utf8");
  const calendar = new ICAL.Component(ICAL.parse(text));
  ICAL.TimezoneService.reset();
  const zones = [];
  for (const vtimezone of calendar.getAllSubcomponents("vtimezone")) {
    const zone = new ICAL.Timezone(vtimezone);
    ICAL.TimezoneService.register(zone);
    zones.push(zone.tzid);
  }
  const events = calendar.getAllSubcomponents("vevent").map((vevent) => {
    const event = new ICAL.Event(vevent);
    return {
      uid: event.uid,
      start: instant(event.startDate),
      end: instant(event.endDate),
      start_zone: zoneOf(event.startDate),
      end_zone: zoneOf(event.endDate),
      status: vevent.getFirstPropertyValue("status"),
      sequence: event.sequence,
      summary: event.summary,
      description: event.description,
      location: event.location,
    };
  });
  return {
    calendar: {
      method: calendar.getFirstPropertyValue("method"),
      prodid: calendar.getFirstPropertyValue("prodid"),
      version: calendar.getFirstPropertyValue("version"),
      calname: calendar.getFirstPropertyValue("x-wr-calname"),
    },
    zones,
    events,
  };
}

const out = {};
for (const path of process.argv.slice(2)) {
  out[path] = dump(path);
}
process.stdout.write(JSON.stringify(out) + "\n");
