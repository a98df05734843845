/*
 * Contract rules v1 (see jaring/rules.h and docs/rules.md).
 *
 * Every rule looks at one field or one pair of fields and adds a reason; no
 * rule stops the others, so a worker sees every problem at once. A rule whose
 * input is already reported as missing or invalid stays silent (a record
 * with no birth date gets MISSING_BIRTH, not also TOO_YOUNG). The verdict is
 * sorted, de-duplicated and capped, so it depends only on the inputs.
 */
#include <string.h>

#include "jaring/cbor.h"
#include "jaring/region.h"
#include "jaring/rules.h"

#define POLICY_MAX_BYTES 256
#define POLICY_KEYS 8
#define PHONE_MIN_DIGITS 10
#define PHONE_MAX_DIGITS 13
#define PHONE_INPUT_MAX 64
#define NAME_MIN_BYTES 2
#define ADDRESS_MIN_BYTES 5
/* Bits of the occupations of record.h: 1..JR_OCC_COUNT-1. */
#define OCCUPATION_BITS (((1u << JR_OCC_COUNT) - 1u) & ~1u)

/* ---- reasons and their words ---- */

struct reason_text {
	enum jr_reason code;
	const char *name;
	const char *id;
	const char *en;
};

/* The words are for a worker who reads little: short sentences, what is
 * wrong, then what to do. docs/rules.md lists them; a test keeps the two
 * in step. Numbers that a policy sets (ages, ceiling) are not in the words:
 * the kiosk shows them from the policy it holds. */
static const struct reason_text reasons[] = {
	{ JR_R_NONE, "NONE",
	  "Data Anda sudah lengkap dan benar.",
	  "Your data is complete and correct." },
	{ JR_R_MISSING_NIK, "MISSING_NIK",
	  "NIK belum diisi. Ketik 16 angka NIK dari KTP Anda.",
	  "The NIK is empty. Type the 16-digit NIK from your ID card." },
	{ JR_R_MISSING_NAME, "MISSING_NAME",
	  "Nama belum diisi. Tulis nama lengkap seperti di KTP.",
	  "Your name is empty. Write your full name as on your ID card." },
	{ JR_R_MISSING_SEX, "MISSING_SEX",
	  "Jenis kelamin belum dipilih. Pilih laki-laki atau perempuan.",
	  "Sex is not chosen. Choose man or woman." },
	{ JR_R_MISSING_BIRTH, "MISSING_BIRTH",
	  "Tanggal lahir belum diisi. Isi tanggal lahir seperti di KTP.",
	  "The date of birth is empty. Enter it as on your ID card." },
	{ JR_R_MISSING_VILLAGE, "MISSING_VILLAGE",
	  "Desa atau kelurahan belum dipilih. Pilih desa tempat Anda tinggal.",
	  "The village is not chosen. Choose the village where you live." },
	{ JR_R_MISSING_OCCUPATION, "MISSING_OCCUPATION",
	  "Pekerjaan belum dipilih. Pilih pekerjaan Anda sehari-hari.",
	  "Your work is not chosen. Choose the work you do every day." },
	{ JR_R_MISSING_INCOME, "MISSING_INCOME",
	  "Penghasilan belum dipilih. Pilih kira-kira penghasilan Anda sebulan.",
	  "Your income is not chosen. Choose about how much you earn in a month." },
	{ JR_R_MISSING_ADDRESS, "MISSING_ADDRESS",
	  "Alamat belum diisi. Tulis alamat rumah Anda, misalnya jalan dan RT/RW.",
	  "The address is empty. Write your home address, for example street and RT/RW." },
	{ JR_R_MISSING_CONSENT, "MISSING_CONSENT",
	  "Anda belum memberi persetujuan. Baca pernyataan persetujuan, lalu tekan setuju.",
	  "You have not given consent. Read the consent statement, then press agree." },
	{ JR_R_NIK_NOT_DIGITS, "NIK_NOT_DIGITS",
	  "NIK hanya boleh berisi angka. Periksa lagi KTP Anda.",
	  "The NIK may have numbers only. Check your ID card again." },
	{ JR_R_NIK_LENGTH, "NIK_LENGTH",
	  "NIK harus 16 angka. Periksa lagi KTP Anda.",
	  "The NIK must be 16 digits. Check your ID card again." },
	{ JR_R_NIK_PROVINCE, "NIK_PROVINCE",
	  "NIK ini bukan dari Jawa Tengah. NIK harus diawali 33. Periksa lagi KTP Anda.",
	  "This NIK is not from Central Java. It must start with 33. Check your ID card again." },
	{ JR_R_NIK_REGENCY, "NIK_REGENCY",
	  "NIK ini bukan dari Kabupaten Tegal atau Kota Tegal. Periksa lagi KTP Anda, atau tanyakan kepada petugas.",
	  "This NIK is not from Tegal Regency or Tegal City. Check your ID card again, or ask the officer." },
	{ JR_R_NIK_DISTRICT, "NIK_DISTRICT",
	  "Kode kecamatan di NIK (angka ke-5 dan ke-6) tidak dikenal. Periksa lagi KTP Anda.",
	  "The district code in the NIK (digits 5 and 6) is not known. Check your ID card again." },
	{ JR_R_NIK_DATE, "NIK_DATE",
	  "Tanggal lahir di dalam NIK (angka ke-7 sampai ke-12) tidak benar. Periksa lagi KTP Anda.",
	  "The birth date inside the NIK (digits 7 to 12) is wrong. Check your ID card again." },
	{ JR_R_NIK_SERIAL, "NIK_SERIAL",
	  "Empat angka terakhir NIK tidak boleh 0000. Periksa lagi KTP Anda.",
	  "The last four digits of the NIK cannot be 0000. Check your ID card again." },
	{ JR_R_BIRTH_MISMATCH, "BIRTH_MISMATCH",
	  "Tanggal lahir tidak sama dengan tanggal di NIK. Samakan dengan KTP Anda.",
	  "The date of birth is not the same as the date in the NIK. Make it the same as on your ID card." },
	{ JR_R_SEX_MISMATCH, "SEX_MISMATCH",
	  "Jenis kelamin tidak sama dengan NIK. Samakan dengan KTP Anda.",
	  "Your sex is not the same as in the NIK. Make it the same as on your ID card." },
	{ JR_R_BIRTH_INVALID, "BIRTH_INVALID",
	  "Tanggal lahir tidak benar. Isi lagi tanggal lahir seperti di KTP.",
	  "The date of birth is not a real date. Enter it again as on your ID card." },
	{ JR_R_NAME_INVALID, "NAME_INVALID",
	  "Nama hanya boleh berisi huruf, tanpa angka, dan tidak boleh terlalu pendek atau terlalu panjang. Tulis nama seperti di KTP.",
	  "The name may have letters only, no numbers, and must not be too short or too long. Write your name as on your ID card." },
	{ JR_R_VILLAGE_UNKNOWN, "VILLAGE_UNKNOWN",
	  "Desa atau kelurahan tidak dikenal. Pilih lagi desa Anda dari daftar.",
	  "The village is not known. Choose your village from the list again." },
	{ JR_R_PHONE_INVALID, "PHONE_INVALID",
	  "Nomor HP tidak benar. Tulis nomor yang diawali 08 dan panjangnya 10 sampai 13 angka, atau kosongkan.",
	  "The phone number is wrong. Write a number that starts with 08 and has 10 to 13 digits, or leave it empty." },
	{ JR_R_ADDRESS_INVALID, "ADDRESS_INVALID",
	  "Alamat terlalu pendek, terlalu panjang, atau berisi tanda yang tidak bisa dipakai. Tulis lagi alamat rumah Anda.",
	  "The address is too short, too long, or has signs that cannot be used. Write your home address again." },
	{ JR_R_CONSENT_OUTDATED, "CONSENT_OUTDATED",
	  "Pernyataan persetujuan sudah berganti. Baca yang baru, lalu setujui lagi.",
	  "The consent statement has changed. Read the new one, then agree again." },
	{ JR_R_OCCUPATION_UNKNOWN, "OCCUPATION_UNKNOWN",
	  "Pekerjaan tidak dikenal. Pilih lagi pekerjaan Anda dari daftar.",
	  "The work is not known. Choose your work from the list again." },
	{ JR_R_INCOME_UNKNOWN, "INCOME_UNKNOWN",
	  "Penghasilan tidak dikenal. Pilih lagi penghasilan Anda dari daftar.",
	  "The income is not known. Choose your income from the list again." },
	{ JR_R_BIRTH_YEAR_MISMATCH, "BIRTH_YEAR_MISMATCH",
	  "Tahun lahir tidak cocok dengan tanggal lahir. Isi lagi tanggal lahir Anda, atau minta bantuan petugas.",
	  "The birth year does not match the date of birth. Enter your date of birth again, or ask the officer for help." },
	{ JR_R_TOO_YOUNG, "TOO_YOUNG",
	  "Umur Anda belum cukup untuk program ini. Anda bisa mendaftar setelah cukup umur.",
	  "You are too young for this programme. You can register when you are old enough." },
	{ JR_R_TOO_OLD, "TOO_OLD",
	  "Umur Anda di atas batas umur program ini. Tanyakan kepada petugas tentang program lain.",
	  "You are above the age limit of this programme. Ask the officer about other programmes." },
	{ JR_R_INCOME_OVER_CEILING, "INCOME_OVER_CEILING",
	  "Penghasilan Anda di atas batas program ini. Jika pilihan penghasilan salah, pilih lagi.",
	  "Your income is above the limit of this programme. If you chose the wrong income, choose again." },
	{ JR_R_OCCUPATION_NOT_ELIGIBLE, "OCCUPATION_NOT_ELIGIBLE",
	  "Pekerjaan ini tidak termasuk program ini. Jika pilihan pekerjaan salah, pilih lagi.",
	  "This work is not part of this programme. If you chose the wrong work, choose again." },
	{ JR_R_REGION_NOT_COVERED, "REGION_NOT_COVERED",
	  "Desa Anda di luar wilayah program ini. Tanyakan kepada petugas.",
	  "Your village is outside the area of this programme. Ask the officer." },
	{ JR_R_ALREADY_REGISTERED, "ALREADY_REGISTERED",
	  "NIK ini sudah terdaftar. Anda tidak perlu mendaftar lagi. Cek status dengan struk Anda.",
	  "This NIK is already registered. You do not need to register again. Check your status with your receipt." },
	{ JR_R_WAGE_EARNER, "WAGE_EARNER",
	  "Anda sudah terdaftar sebagai pekerja penerima upah dari pemberi kerja. Tanyakan kepada pemberi kerja atau petugas.",
	  "You are already insured as an employee by an employer. Ask your employer or the officer." },
	{ JR_R_NOT_IN_DTKS, "NOT_IN_DTKS",
	  "Data Anda belum ditemukan di DTKS, yang disyaratkan program ini. Tanyakan kepada petugas desa.",
	  "Your data is not yet found in the DTKS welfare register, which this programme requires. Ask the village officer." },
};

static const char unknown_id[] = "Ada masalah pada data ini. Minta bantuan petugas.";
static const char unknown_en[] = "There is a problem with this data. Ask the officer for help.";

static const struct reason_text *reason_find(enum jr_reason r)
{
	size_t i;

	for (i = 0; i < sizeof reasons / sizeof reasons[0]; i++)
		if (reasons[i].code == r)
			return &reasons[i];
	return NULL;
}

const char *jr_reason_name(enum jr_reason r)
{
	const struct reason_text *t = reason_find(r);

	return t != NULL ? t->name : NULL;
}

const char *jr_reason_message(enum jr_reason r, enum jr_lang lang)
{
	const struct reason_text *t = reason_find(r);

	if (lang == JR_LANG_EN)
		return t != NULL ? t->en : unknown_en;
	return t != NULL ? t->id : unknown_id;
}

/* 0 for JR_R_NONE and for codes that are not reasons. */
int jr_reason_class(enum jr_reason r)
{
	if (r == JR_R_NONE || reason_find(r) == NULL)
		return 0;
	return (int)r / 100;
}

/* ---- the verdict ---- */

/* Room for every reason at once: a verdict is built here, then sorted,
 * de-duplicated and capped into struct jr_verdict. */
#define ACC_MAX 64

struct acc {
	size_t n;
	enum jr_reason r[ACC_MAX];
};

static void add(struct acc *a, enum jr_reason r)
{
	if (a->n < ACC_MAX)
		a->r[a->n++] = r;
}

static int finish(struct acc *a, struct jr_verdict *v)
{
	size_t i, j;

	for (i = 1; i < a->n; i++) {
		enum jr_reason x = a->r[i];

		for (j = i; j > 0 && a->r[j - 1] > x; j--)
			a->r[j] = a->r[j - 1];
		a->r[j] = x;
	}
	memset(v, 0, sizeof *v);
	for (i = 0; i < a->n && v->n < JR_VERDICT_MAX; i++)
		if (v->n == 0 || v->reasons[v->n - 1] != a->r[i])
			v->reasons[v->n++] = a->r[i];
	return v->n == 0 ? JR_OK : JR_ERULE;
}

/* ---- text fields ---- */

/* Decodes one UTF-8 sequence at s[*i] (n bytes in all) into *cp; false for
 * anything RFC 3629 forbids: overlong forms, surrogates, > U+10FFFF. */
static bool utf8_next(const uint8_t *s, size_t n, size_t *i, uint32_t *cp)
{
	static const uint32_t min_cp[4] = { 0, 0x80, 0x800, 0x10000 };
	uint8_t b = s[*i];
	size_t len, k;
	uint32_t c;

	if (b < 0x80)
		len = 1, c = b;
	else if ((b & 0xE0) == 0xC0)
		len = 2, c = b & 0x1Fu;
	else if ((b & 0xF0) == 0xE0)
		len = 3, c = b & 0x0Fu;
	else if ((b & 0xF8) == 0xF0)
		len = 4, c = b & 0x07u;
	else
		return false;
	if (len > n - *i)
		return false;
	for (k = 1; k < len; k++) {
		if ((s[*i + k] & 0xC0) != 0x80)
			return false;
		c = c << 6 | (s[*i + k] & 0x3Fu);
	}
	if (c < min_cp[len - 1] || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return false;
	*i += len;
	*cp = c;
	return true;
}

/* Latin letters: ASCII, Latin-1 (less × and ÷), Latin Extended-A and -B,
 * Latin Extended Additional. Names on a KTP are written in Latin script. */
static bool is_letter(uint32_t c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		(c >= 0xC0 && c <= 0x24F && c != 0xD7 && c != 0xF7) ||
		(c >= 0x1E00 && c <= 0x1EFF);
}

static bool is_combining_mark(uint32_t c)
{
	return c >= 0x300 && c <= 0x36F;
}

static bool is_blank(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] != ' ')
			return false;
	return true;
}

/* A name: 2..JR_NAME_MAX bytes of UTF-8, Latin letters (a combining accent
 * may follow a letter), spaces and . ' - only, at least one letter. */
static bool name_valid(const char *name, size_t n)
{
	const uint8_t *s = (const uint8_t *)name;
	size_t i = 0;
	uint32_t c, prev = 0;
	bool letters = false;

	if (n < NAME_MIN_BYTES || n > JR_NAME_MAX)
		return false;
	while (i < n) {
		bool accent;

		if (!utf8_next(s, n, &i, &c))
			return false;
		accent = is_combining_mark(c) && (is_letter(prev) || is_combining_mark(prev));
		if (is_letter(c))
			letters = true;
		else if (!accent && c != ' ' && c != '.' && c != '\'' && c != '-')
			return false;
		prev = c;
	}
	return letters;
}

/* Printable: no C0 or C1 control characters, no DEL, no line or paragraph
 * separators that would break a printed receipt or a report line. */
static bool text_printable(const char *text, size_t n)
{
	const uint8_t *s = (const uint8_t *)text;
	size_t i = 0;
	uint32_t c;

	while (i < n) {
		if (!utf8_next(s, n, &i, &c))
			return false;
		if (c < 0x20 || (c >= 0x7F && c <= 0x9F) || c == 0x2028 || c == 0x2029)
			return false;
	}
	return true;
}

static bool address_valid(const char *a, size_t n)
{
	return n >= ADDRESS_MIN_BYTES && n <= JR_ADDRESS_MAX && text_printable(a, n);
}

/* The stored form: "08" then digits, 10..13 digits in all. */
static bool phone_valid(const char *p, size_t n)
{
	size_t i;

	if (n < PHONE_MIN_DIGITS || n > PHONE_MAX_DIGITS || p[0] != '0' || p[1] != '8')
		return false;
	for (i = 2; i < n; i++)
		if (p[i] < '0' || p[i] > '9')
			return false;
	return true;
}

/* Accepts "+62 8…", "62 8…" and "08…" with spaces, hyphens, dots and
 * parentheses between digits; anything else fails. */
int jr_phone_normalise(const char *in, char out[JR_PHONE_MAX + 1])
{
	char d[PHONE_INPUT_MAX + 1];
	size_t i, n = 0, start = 0;
	bool plus = false;

	if (out != NULL)
		out[0] = '\0';
	if (in == NULL || out == NULL)
		return JR_EINVAL;
	for (i = 0; in[i] != '\0'; i++) {
		char c = in[i];

		if (i >= PHONE_INPUT_MAX)
			return JR_EFORMAT;
		if (c >= '0' && c <= '9')
			d[n++] = c;
		else if (c == '+' && n == 0 && !plus)
			plus = true;
		else if (c != ' ' && c != '-' && c != '.' && c != '(' && c != ')')
			return JR_EFORMAT;
	}
	d[n] = '\0';
	if (n == 0 && !plus)
		return JR_OK;
	if (n >= 3 && memcmp(d, "628", 3) == 0) {
		start = 1; /* country code 62 off, trunk 0 on: "0" "8…" */
		d[1] = '0';
	} else if (plus || d[0] != '0') {
		return JR_EFORMAT;
	}
	if (!phone_valid(d + start, n - start))
		return JR_EFORMAT;
	memcpy(out, d + start, n - start + 1);
	return JR_OK;
}

/* ---- the rules ---- */

/* The date a record is judged at: the kiosk's claimed time, or today for a
 * record that has none (a form still being filled in). */
static uint32_t record_date(const struct jr_registration *r, uint32_t today)
{
	return r->time == 0 ? today : jr_date_from_unix(r->time);
}

static bool sex_known(enum jr_sex s)
{
	return s == JR_SEX_MALE || s == JR_SEX_FEMALE;
}

static const struct jr_region *village_of(uint64_t code)
{
	const struct jr_region *v = jr_region_find(code);

	return v != NULL && v->level == JR_REGION_VILLAGE ? v : NULL;
}

static bool regency_covered(const struct jr_policy *p, uint64_t regency)
{
	size_t i;

	for (i = 0; i < p->n_regencies && i < JR_POLICY_MAX_REGENCIES; i++)
		if (p->regencies[i] == regency)
			return true;
	return false;
}

static void check_village(const struct jr_policy *p,
	const struct jr_registration *r, struct acc *a)
{
	const struct jr_region *v;

	if (r->village == 0) {
		add(a, JR_R_MISSING_VILLAGE);
		return;
	}
	if ((v = village_of(r->village)) == NULL) {
		add(a, JR_R_VILLAGE_UNKNOWN);
		return;
	}
	if (!regency_covered(p, v->code / 1000000))
		add(a, JR_R_REGION_NOT_COVERED);
}

static void check_occupation(const struct jr_policy *p,
	const struct jr_registration *r, struct acc *a)
{
	int o = (int)r->occupation;

	if (o == 0)
		add(a, JR_R_MISSING_OCCUPATION);
	else if (jr_occupation_key(r->occupation) == NULL)
		add(a, JR_R_OCCUPATION_UNKNOWN);
	else if ((p->occupations & (1u << o)) == 0)
		add(a, JR_R_OCCUPATION_NOT_ELIGIBLE);
}

static void check_income(const struct jr_policy *p,
	const struct jr_registration *r, struct acc *a)
{
	uint64_t lo, hi_excl;

	if ((int)r->income == 0)
		add(a, JR_R_MISSING_INCOME);
	else if (!jr_income_bounds(r->income, &lo, &hi_excl))
		add(a, JR_R_INCOME_UNKNOWN);
	else if (hi_excl > p->income_ceiling_rp)
		add(a, JR_R_INCOME_OVER_CEILING);
}

static void check_consent(const struct jr_policy *p,
	const struct jr_registration *r, struct acc *a)
{
	if (r->consent_version == 0)
		add(a, JR_R_MISSING_CONSENT);
	else if (r->consent_version != p->consent_version)
		add(a, JR_R_CONSENT_OUTDATED);
}

/* The readable fields both checks share. */
static void check_readable(const struct jr_policy *p,
	const struct jr_registration *r, struct acc *a)
{
	if (!sex_known(r->sex))
		add(a, JR_R_MISSING_SEX);
	check_village(p, r, a);
	check_occupation(p, r, a);
	check_income(p, r, a);
	check_consent(p, r, a);
}

static enum jr_reason nik_reason(enum jr_nik_error e)
{
	switch (e) {
	case JR_NIK_OK: return JR_R_NONE;
	case JR_NIK_EMPTY: return JR_R_MISSING_NIK;
	case JR_NIK_NOT_DIGITS: return JR_R_NIK_NOT_DIGITS;
	case JR_NIK_TOO_SHORT:
	case JR_NIK_TOO_LONG: return JR_R_NIK_LENGTH;
	case JR_NIK_BAD_PROVINCE: return JR_R_NIK_PROVINCE;
	case JR_NIK_BAD_REGENCY: return JR_R_NIK_REGENCY;
	case JR_NIK_BAD_DISTRICT: return JR_R_NIK_DISTRICT;
	case JR_NIK_BAD_DATE:
	case JR_NIK_FUTURE_DATE: return JR_R_NIK_DATE;
	case JR_NIK_ZERO_SERIAL: return JR_R_NIK_SERIAL;
	}
	return JR_R_NIK_NOT_DIGITS;
}

/* Birth date, its agreement with the NIK and the birth year, and the age
 * limits. nik is NULL when the NIK is missing or not valid. */
static void check_birth(const struct jr_policy *p,
	const struct jr_registration *r, const struct jr_nik *nik,
	uint32_t asof, struct acc *a)
{
	int age;

	if (r->birth == 0) {
		add(a, JR_R_MISSING_BIRTH);
		return;
	}
	if (!jr_date_valid(r->birth) || r->birth > asof) {
		add(a, JR_R_BIRTH_INVALID);
		return;
	}
	if (nik != NULL && nik->birth != r->birth)
		add(a, JR_R_BIRTH_MISMATCH);
	if (r->birth_year != r->birth / 10000)
		add(a, JR_R_BIRTH_YEAR_MISMATCH);
	age = jr_age_years(r->birth, asof);
	if (age < (int)p->min_age)
		add(a, JR_R_TOO_YOUNG);
	else if (age > (int)p->max_age)
		add(a, JR_R_TOO_OLD);
}

static void check_personal(const struct jr_policy *p,
	const struct jr_registration *r, uint32_t asof, struct acc *a)
{
	size_t nik_len = strnlen(r->nik, sizeof r->nik);
	size_t name_len = strnlen(r->name, sizeof r->name);
	size_t phone_len = strnlen(r->phone, sizeof r->phone);
	size_t addr_len = strnlen(r->address, sizeof r->address);
	struct jr_nik nik;
	enum jr_nik_error e = jr_nik_check(r->nik, nik_len, asof, &nik);

	if (e != JR_NIK_OK)
		add(a, nik_reason(e));
	else if (sex_known(r->sex) && nik.sex != r->sex)
		add(a, JR_R_SEX_MISMATCH);
	check_birth(p, r, e == JR_NIK_OK ? &nik : NULL, asof, a);
	if (is_blank(r->name, name_len))
		add(a, JR_R_MISSING_NAME);
	else if (!name_valid(r->name, name_len))
		add(a, JR_R_NAME_INVALID);
	if (phone_len > 0 && !phone_valid(r->phone, phone_len))
		add(a, JR_R_PHONE_INVALID);
	if (is_blank(r->address, addr_len))
		add(a, JR_R_MISSING_ADDRESS);
	else if (!address_valid(r->address, addr_len))
		add(a, JR_R_ADDRESS_INVALID);
}

int jr_rules_check(const struct jr_policy *p, const struct jr_registration *r,
	uint32_t today, struct jr_verdict *v)
{
	struct acc a = { 0 };

	if (v != NULL)
		memset(v, 0, sizeof *v);
	if (p == NULL || r == NULL || v == NULL)
		return JR_EINVAL;
	check_readable(p, r, &a);
	check_personal(p, r, record_date(r, today), &a);
	return finish(&a, v);
}

/*
 * Without the sealed date only the birth year is known, so the age is one of
 * two values (birthday passed or not this year). A limit fails only when
 * both values fail it: the public check never refuses what the full check
 * would accept on the same readable fields.
 */
static void check_birth_year(const struct jr_policy *p,
	const struct jr_registration *r, uint32_t asof, struct acc *a)
{
	int year = (int)(asof / 10000);

	if (r->birth_year == 0) {
		add(a, JR_R_MISSING_BIRTH);
		return;
	}
	if (!jr_date_valid(asof) || r->birth_year > year) {
		add(a, JR_R_BIRTH_INVALID);
		return;
	}
	if (year - (int)r->birth_year < (int)p->min_age)
		add(a, JR_R_TOO_YOUNG);
	else if (year - (int)r->birth_year - 1 > (int)p->max_age)
		add(a, JR_R_TOO_OLD);
}

int jr_rules_check_public(const struct jr_policy *p,
	const struct jr_registration *r, uint32_t today, struct jr_verdict *v)
{
	struct acc a = { 0 };

	if (v != NULL)
		memset(v, 0, sizeof *v);
	if (p == NULL || r == NULL || v == NULL)
		return JR_EINVAL;
	check_readable(p, r, &a);
	check_birth_year(p, r, record_date(r, today), &a);
	return finish(&a, v);
}

/* ---- the policy record ---- */

void jr_policy_default(struct jr_policy *p)
{
	memset(p, 0, sizeof *p);
	p->version = 1;
	p->min_age = 18;
	p->max_age = 64;
	p->income_ceiling_rp = 2000000;
	p->n_regencies = 2;
	p->regencies[0] = 3328;
	p->regencies[1] = 3376;
	p->occupations = OCCUPATION_BITS;
	p->contribution_rp = 16800;
	p->consent_version = 1;
}

/* What encode refuses to write and decode refuses to read. */
static int policy_valid(const struct jr_policy *p, struct jr_errbuf *eb)
{
	const struct jr_region *g;
	size_t i;

	if (p->version == 0)
		return jr_errf(eb, JR_EFORMAT, "policy: version 0 is not a policy; sign a policy with version 1 or higher");
	if (p->min_age > p->max_age)
		return jr_errf(eb, JR_EFORMAT, "policy v%u: minimum age %u is above maximum age %u; fix the limits and sign it again",
			(unsigned)p->version, (unsigned)p->min_age, (unsigned)p->max_age);
	if (p->n_regencies == 0 || p->n_regencies > JR_POLICY_MAX_REGENCIES)
		return jr_errf(eb, JR_EFORMAT, "policy v%u: %zu regencies, must be 1 to %d; fix the list and sign it again",
			(unsigned)p->version, p->n_regencies, JR_POLICY_MAX_REGENCIES);
	for (i = 0; i < p->n_regencies; i++) {
		g = jr_region_find(p->regencies[i]);
		if (g == NULL || g->level != JR_REGION_REGENCY)
			return jr_errf(eb, JR_EFORMAT, "policy v%u: regency %llu is not in this build's region table; use a known regency or update the region data",
				(unsigned)p->version, (unsigned long long)p->regencies[i]);
		if (i > 0 && p->regencies[i] <= p->regencies[i - 1])
			return jr_errf(eb, JR_EFORMAT, "policy v%u: regencies must be listed once each in ascending order; fix the list and sign it again",
				(unsigned)p->version);
	}
	if (p->occupations == 0 || (p->occupations & ~OCCUPATION_BITS) != 0)
		return jr_errf(eb, JR_EFORMAT, "policy v%u: occupation mask 0x%x is empty or names unknown occupations; fix it and sign it again",
			(unsigned)p->version, (unsigned)p->occupations);
	if (p->contribution_rp == 0)
		return jr_errf(eb, JR_EFORMAT, "policy v%u: the contribution is Rp0; set the monthly contribution and sign it again",
			(unsigned)p->version);
	if (p->consent_version == 0)
		return jr_errf(eb, JR_EFORMAT, "policy v%u: consent version 0; set the consent version and sign it again",
			(unsigned)p->version);
	return JR_OK;
}

int jr_policy_encode(const struct jr_policy *p, struct jr_buf *out)
{
	struct jr_cbw w;
	size_t i;

	if (out != NULL) {
		out->base = NULL;
		out->len = 0;
	}
	if (p == NULL || out == NULL || policy_valid(p, NULL) != JR_OK)
		return JR_EINVAL;
	jr_cbw_init(&w, POLICY_MAX_BYTES);
	jr_cbw_map(&w, POLICY_KEYS);
	jr_cbw_uint(&w, 0);
	jr_cbw_uint(&w, p->version);
	jr_cbw_uint(&w, 1);
	jr_cbw_uint(&w, p->min_age);
	jr_cbw_uint(&w, 2);
	jr_cbw_uint(&w, p->max_age);
	jr_cbw_uint(&w, 3);
	jr_cbw_uint(&w, p->income_ceiling_rp);
	jr_cbw_uint(&w, 4);
	jr_cbw_array(&w, p->n_regencies);
	for (i = 0; i < p->n_regencies; i++)
		jr_cbw_uint(&w, p->regencies[i]);
	jr_cbw_uint(&w, 5);
	jr_cbw_uint(&w, p->occupations);
	jr_cbw_uint(&w, 6);
	jr_cbw_uint(&w, p->contribution_rp);
	jr_cbw_uint(&w, 7);
	jr_cbw_uint(&w, p->consent_version);
	return jr_cbw_finish(&w, out);
}

/* On the first failure, leave the cursor at the start of the field that
 * failed (its key), so the error message can name where it is. */
static void mark_field(struct jr_cbr *r, size_t at, bool was_ok)
{
	if (was_ok && r->err != JR_OK)
		r->off = at;
}

/* Reads key `key` holding an unsigned integer of at most max. */
static uint64_t read_field(struct jr_cbr *r, uint64_t key, uint64_t max)
{
	size_t at = r->off;
	bool was_ok = r->err == JR_OK;
	uint64_t v = 0;

	if (jr_cbr_key(r, key) == JR_OK && jr_cbr_uint(r, &v) == JR_OK && v > max)
		r->err = JR_EFORMAT;
	mark_field(r, at, was_ok);
	return r->err == JR_OK ? v : 0;
}

static void read_regencies(struct jr_cbr *r, struct jr_policy *p)
{
	size_t i, n = 0, at = r->off;
	bool was_ok = r->err == JR_OK;

	if (jr_cbr_key(r, 4) == JR_OK && jr_cbr_array(r, &n) == JR_OK &&
	    n > JR_POLICY_MAX_REGENCIES)
		r->err = JR_ETOOBIG;
	for (i = 0; i < n && r->err == JR_OK; i++)
		(void)jr_cbr_uint(r, &p->regencies[i]);
	p->n_regencies = r->err == JR_OK ? n : 0;
	mark_field(r, at, was_ok);
}

static int decode_fail(struct jr_policy *p, struct jr_errbuf *eb, int rc,
	const char *why)
{
	memset(p, 0, sizeof *p);
	return jr_errf(eb, rc, "policy record: %s; use a policy record signed for this version of Jaring", why);
}

/*
 * Strict: the whole item passes jr_cbor_check() first, then exactly keys
 * 0..7 in order with the documented types and ranges, nothing after them,
 * then the same sanity rules encode applies. On failure *p is zeroed.
 */
int jr_policy_decode(const uint8_t *b, size_t len, struct jr_policy *p,
	struct jr_errbuf *eb)
{
	struct jr_cbr r;
	size_t n = 0;
	int rc;

	if (p == NULL)
		return jr_errf(eb, JR_EINVAL, "policy record: no place to decode it into (a bug in the caller)");
	memset(p, 0, sizeof *p);
	if (len > POLICY_MAX_BYTES)
		return decode_fail(p, eb, JR_ETOOBIG, "longer than 256 bytes");
	if ((rc = jr_cbor_check(b, len, eb)) != JR_OK)
		return decode_fail(p, eb, rc, "not canonical CBOR");
	jr_cbr_init(&r, b, len);
	if (jr_cbr_map(&r, &n) == JR_OK && n != POLICY_KEYS) {
		r.err = JR_EFORMAT;
		r.off = 0; /* the map's head is what is wrong */
	}
	p->version = (uint32_t)read_field(&r, 0, UINT32_MAX);
	p->min_age = (uint8_t)read_field(&r, 1, UINT8_MAX);
	p->max_age = (uint8_t)read_field(&r, 2, UINT8_MAX);
	p->income_ceiling_rp = read_field(&r, 3, UINT64_MAX);
	read_regencies(&r, p);
	p->occupations = (uint32_t)read_field(&r, 5, UINT32_MAX);
	p->contribution_rp = (uint32_t)read_field(&r, 6, UINT32_MAX);
	p->consent_version = (uint16_t)read_field(&r, 7, UINT16_MAX);
	if ((rc = jr_cbr_end(&r)) == JR_ETOOBIG)
		return decode_fail(p, eb, rc, "more than 8 regencies");
	if (rc != JR_OK) {
		memset(p, 0, sizeof *p);
		return jr_errf(eb, rc, "policy record: the field at byte %zu of %zu is not the next of keys 0 to 7 with its documented type and range (docs/rules.md); use a policy record signed for this version of Jaring",
			r.off, len);
	}
	if ((rc = policy_valid(p, eb)) != JR_OK) {
		memset(p, 0, sizeof *p);
		return rc;
	}
	return JR_OK;
}
