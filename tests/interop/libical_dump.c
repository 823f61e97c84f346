/* Reads .ics files with libical (Debian libical3) and prints, as one JSON object keyed
 * by file name, what libical's own parser and time zone code make of every VEVENT.
 *
 * Built by tests/interop/parsers.py:  cc libical_dump.c $(pkg-config --cflags --libs libical)
 * Usage: libical_dump FILE...
 *
 * Times: a DATE value is printed as YYYY-MM-DD; a DATE-TIME is converted by libical to
 * UTC (icaltime_convert_to_zone) and printed as YYYY-MM-DDTHH:MM:SSZ. "start_zone" says
 * where libical found the zone of DTSTART: "file" (a VTIMEZONE of this VCALENDAR),
 * "builtin" (libical's own zone database), "utc", "floating" (no zone) or "date". Parse
 * problems libical records as X-LIC-ERROR properties are listed under "errors". Each event's
 * "itip" lists what libical's RFC 5546 restriction check (icalrestriction_check) says of it
 * in a calendar of its own with the file's METHOD.
 */
#include <libical/ical.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void json_string(const char *s) {
    if (s == NULL) {
        fputs("null", stdout);
        return;
    }
    putchar('"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': fputs("\\\"", stdout); break;
        case '\\': fputs("\\\\", stdout); break;
        case '\n': fputs("\\n", stdout); break;
        case '\r': fputs("\\r", stdout); break;
        case '\t': fputs("\\t", stdout); break;
        default:
            if (*p < 0x20) {
                printf("\\u%04x", *p);
            } else {
                putchar(*p); /* UTF-8 bytes pass through unchanged */
            }
        }
    }
    putchar('"');
}

static void json_time(struct icaltimetype t) {
    if (icaltime_is_null_time(t)) {
        fputs("null", stdout);
    } else if (t.is_date) {
        printf("\"%04d-%02d-%02d\"", t.year, t.month, t.day);
    } else {
        struct icaltimetype u = icaltime_convert_to_zone(t, icaltimezone_get_utc_timezone());
        printf("\"%04d-%02d-%02dT%02d:%02d:%02dZ\"", u.year, u.month, u.day, u.hour, u.minute,
               u.second);
    }
}

static const char *zone_source(icalcomponent *calendar, struct icaltimetype t) {
    if (t.is_date) return "date";
    if (icaltime_is_utc(t)) return "utc";
    if (t.zone == NULL) return "floating";
    const char *tzid = icaltimezone_get_tzid((icaltimezone *)t.zone);
    if (tzid != NULL && icalcomponent_get_timezone(calendar, tzid) == t.zone) return "file";
    return "builtin";
}

static char *read_file(const char *path) {
    FILE *f = fopen(path, "rb");
    if (f == NULL) return NULL;
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *text = malloc((size_t)size + 1);
    if (text == NULL || fread(text, 1, (size_t)size, f) != (size_t)size) {
        fclose(f);
        free(text);
        return NULL;
    }
    text[size] = '\0';
    fclose(f);
    return text;
}

static void errors_of(icalcomponent *c, int *first) {
    for (icalproperty *p = icalcomponent_get_first_property(c, ICAL_XLICERROR_PROPERTY); p;
         p = icalcomponent_get_next_property(c, ICAL_XLICERROR_PROPERTY)) {
        if (!*first) putchar(',');
        *first = 0;
        json_string(icalproperty_get_xlicerror(p));
    }
    for (icalcomponent *k = icalcomponent_get_first_component(c, ICAL_ANY_COMPONENT); k;
         k = icalcomponent_get_next_component(c, ICAL_ANY_COMPONENT)) {
        errors_of(k, first);
    }
}

/* icalrestriction_check stops at the first failing component, so check each event alone:
 * a clone of it in a new VCALENDAR with the file's METHOD. */
static void itip_of(icalcomponent *calendar, icalcomponent *event) {
    icalcomponent *alone = icalcomponent_new(ICAL_VCALENDAR_COMPONENT);
    icalproperty *method = icalcomponent_get_first_property(calendar, ICAL_METHOD_PROPERTY);
    if (method) icalcomponent_add_property(alone, icalproperty_new_clone(method));
    icalcomponent_add_property(alone, icalproperty_new_version("2.0"));
    icalcomponent_add_property(alone, icalproperty_new_prodid("-//interop//libical_dump//EN"));
    icalcomponent *copy = icalcomponent_new_clone(event);
    icalcomponent_add_component(alone, copy);
    icalrestriction_check(alone);
    int first = 1;
    errors_of(alone, &first);
    icalcomponent_free(alone);
}

static const char *x_property(icalcomponent *c, const char *name) {
    for (icalproperty *p = icalcomponent_get_first_property(c, ICAL_X_PROPERTY); p;
         p = icalcomponent_get_next_property(c, ICAL_X_PROPERTY)) {
        if (strcmp(icalproperty_get_x_name(p), name) == 0) return icalproperty_get_x(p);
    }
    return NULL;
}

static const char *text_property(icalcomponent *c, icalproperty_kind kind) {
    icalproperty *p = icalcomponent_get_first_property(c, kind);
    return p ? icalproperty_get_value_as_string(p) : NULL;
}

static int dump(const char *path) {
    char *text = read_file(path);
    if (text == NULL) {
        fprintf(stderr, "libical_dump: cannot read %s\n", path);
        return 1;
    }
    icalcomponent *calendar = icalparser_parse_string(text);
    free(text);
    if (calendar == NULL || icalcomponent_isa(calendar) != ICAL_VCALENDAR_COMPONENT) {
        fprintf(stderr, "libical_dump: %s: no VCALENDAR\n", path);
        return 1;
    }
    json_string(path);
    fputs(": {\"calendar\": {", stdout);
    fputs("\"method\": ", stdout);
    json_string(text_property(calendar, ICAL_METHOD_PROPERTY));
    fputs(", \"prodid\": ", stdout);
    json_string(text_property(calendar, ICAL_PRODID_PROPERTY));
    fputs(", \"version\": ", stdout);
    json_string(text_property(calendar, ICAL_VERSION_PROPERTY));
    fputs(", \"calname\": ", stdout);
    json_string(x_property(calendar, "X-WR-CALNAME"));
    fputs("}, \"errors\": [", stdout);
    int first = 1;
    errors_of(calendar, &first);
    fputs("], \"events\": [", stdout);
    first = 1;
    for (icalcomponent *e = icalcomponent_get_first_component(calendar, ICAL_VEVENT_COMPONENT); e;
         e = icalcomponent_get_next_component(calendar, ICAL_VEVENT_COMPONENT)) {
        struct icaltimetype start = icalcomponent_get_dtstart(e);
        struct icaltimetype end = icalcomponent_get_dtend(e);
        icalproperty *status = icalcomponent_get_first_property(e, ICAL_STATUS_PROPERTY);
        icalproperty *sequence = icalcomponent_get_first_property(e, ICAL_SEQUENCE_PROPERTY);
        fputs(first ? "\n  " : ",\n  ", stdout);
        first = 0;
        fputs("{\"uid\": ", stdout);
        json_string(icalcomponent_get_uid(e));
        fputs(", \"start\": ", stdout);
        json_time(start);
        fputs(", \"end\": ", stdout);
        json_time(end);
        printf(", \"start_zone\": \"%s\", \"end_zone\": \"%s\"", zone_source(calendar, start),
               zone_source(calendar, end));
        fputs(", \"status\": ", stdout);
        json_string(status ? icalproperty_get_value_as_string(status) : NULL);
        if (sequence) {
            printf(", \"sequence\": %d", icalproperty_get_sequence(sequence));
        } else {
            fputs(", \"sequence\": null", stdout);
        }
        fputs(", \"summary\": ", stdout);
        json_string(icalcomponent_get_summary(e));
        fputs(", \"description\": ", stdout);
        json_string(icalcomponent_get_description(e));
        fputs(", \"location\": ", stdout);
        json_string(icalcomponent_get_location(e));
        fputs(", \"itip\": [", stdout);
        itip_of(calendar, e);
        fputs("]}", stdout);
    }
    fputs("]}", stdout);
    icalcomponent_free(calendar);
    return 0;
}

int main(int argc, char **argv) {
    fputs("{", stdout);
    for (int i = 1; i < argc; i++) {
        if (i > 1) fputs(",\n", stdout);
        if (dump(argv[i]) != 0) return 1;
    }
    fputs("}\n", stdout);
    return 0;
}
