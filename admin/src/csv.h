/*
 * CSV for jaring-admin (RFC 4180, UTF-8): a streaming reader of one record
 * at a time, for the reference lists and the workforce file, and the writer
 * of the reports' fields. Internal to admin/.
 */
#ifndef JR_ADMIN_CSV_H
#define JR_ADMIN_CSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define JR_CSV_MAX_FIELDS 64
#define JR_CSV_MAX_RECORD 16384 /* bytes of one record's fields */

struct jr_csv {
	FILE *f;
	char buf[JR_CSV_MAX_RECORD];
	size_t off[JR_CSV_MAX_FIELDS];
	size_t n;             /* fields of the current record */
	size_t header_fields; /* fields of the first record */
	unsigned long records;
	char err[128];        /* why jr_csv_next returned -1 */
};

/* 0, or an exit status with the message printed. */
int jr_csv_open(struct jr_csv *c, const char *path);
/* The next record: 1, 0 at the end, -1 on a malformed one (c->err: an
 * unclosed quote, a quote inside an unquoted field, text after a closing
 * quote, a record over the caps, bytes that are not UTF-8). A UTF-8 byte
 * order mark before the first record is skipped. */
int jr_csv_next(struct jr_csv *c);
size_t jr_csv_count(const struct jr_csv *c);
const char *jr_csv_field(const struct jr_csv *c, size_t i);
void jr_csv_close(struct jr_csv *c);

#endif
