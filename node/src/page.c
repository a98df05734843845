/*
 * page.c — the public page's HTML and SVG (page.h; docs/http.md "The public
 * page"), in Bahasa Indonesia (the default) and English.
 *
 * This file assumes (a) it runs on any thread and touches nothing but its
 * arguments and the library's constant tables (regions, reason texts);
 * (b) every string from the state goes through jr_html_text, numbers
 * through jr_html_fmt; (c) a count of registrations in one district is
 * shown only from JR_PUBLIC_MIN_CELL on, and a second cell of the same row
 * is hidden with a lone small one, so that no small cell follows from the
 * row's total.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "jaring/keys.h"
#include "jaring/region.h"
#include "jaring/tlog.h"
#include "jaring/roster.h"
#include "page.h"

#define T(id_, en_) (lang == JR_LANG_EN ? (en_) : (id_))

/* ---- the buffer ------------------------------------------------------ */

static void put(struct jr_html *h, const char *s, size_t n)
{
	uint8_t *p;
	size_t want;

	if (h->failed || n == 0)
		return;
	if (h->b.len + n > h->cap) {
		h->failed = true;
		return;
	}
	want = h->b.len + n;
	p = realloc(h->b.base, want);
	if (p == NULL) {
		h->failed = true;
		return;
	}
	memcpy(p + h->b.len, s, n);
	h->b.base = p;
	h->b.len = want;
}

void jr_html_raw(struct jr_html *h, const char *s)
{
	put(h, s, strlen(s));
}

void jr_html_fmt(struct jr_html *h, const char *fmt, ...)
{
	char tmp[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof tmp) {
		h->failed = true;
		return;
	}
	put(h, tmp, (size_t)n);
}

void jr_html_text(struct jr_html *h, const char *s, size_t n)
{
	size_t from = 0;

	for (size_t i = 0; i < n; i++) {
		const char *e = NULL;

		switch (s[i]) {
		case '&': e = "&amp;"; break;
		case '<': e = "&lt;"; break;
		case '>': e = "&gt;"; break;
		case '"': e = "&quot;"; break;
		case '\'': e = "&#39;"; break;
		default:
			/* controls other than newline and tab are dropped */
			if ((unsigned char)s[i] < 0x20 && s[i] != '\n' && s[i] != '\t')
				e = "";
			break;
		}
		if (e == NULL)
			continue;
		put(h, s + from, i - from);
		jr_html_raw(h, e);
		from = i + 1;
	}
	put(h, s + from, n - from);
}

static void text(struct jr_html *h, const char *s)
{
	jr_html_text(h, s, strlen(s));
}

/* ---- shared pieces --------------------------------------------------- */

/* 1234567 -> "1.234.567" (id) or "1,234,567" (en). */
static void num(struct jr_html *h, uint64_t v, enum jr_lang lang)
{
	char d[32], out[48];
	int n = snprintf(d, sizeof d, "%llu", (unsigned long long)v);
	size_t o = 0;

	for (int i = 0; i < n; i++) {
		if (i > 0 && (n - i) % 3 == 0)
			out[o++] = lang == JR_LANG_EN ? ',' : '.';
		out[o++] = d[i];
	}
	out[o] = '\0';
	jr_html_raw(h, out);
}

static void rupiah(struct jr_html *h, uint64_t v, enum jr_lang lang)
{
	jr_html_raw(h, "Rp");
	num(h, v, lang);
}

static bool small(uint64_t v)
{
	return v > 0 && v < JR_PUBLIC_MIN_CELL;
}

static void cell(struct jr_html *h, uint64_t v, bool hide, enum jr_lang lang)
{
	if (hide) {
		jr_html_fmt(h, "<td class=\"n s\" title=\"%s\">x</td>",
			T("disembunyikan", "suppressed"));
		return;
	}
	jr_html_raw(h, "<td class=\"n\">");
	num(h, v, lang);
	jr_html_raw(h, "</td>");
}

static void month(struct jr_html *h, uint32_t yyyymm, enum jr_lang lang)
{
	static const char *const id[12] = { "Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul",
		"Agu", "Sep", "Okt", "Nov", "Des" };
	static const char *const en[12] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul",
		"Aug", "Sep", "Oct", "Nov", "Dec" };
	unsigned m = yyyymm % 100;

	if (m < 1 || m > 12) {
		jr_html_fmt(h, "%u", yyyymm);
		return;
	}
	jr_html_fmt(h, "%s %u", lang == JR_LANG_EN ? en[m - 1] : id[m - 1], yyyymm / 100);
}

static void date(struct jr_html *h, uint32_t ymd, enum jr_lang lang)
{
	jr_html_fmt(h, "%u ", ymd % 100);
	month(h, ymd / 100, lang);
}

static void region_name(struct jr_html *h, uint64_t code)
{
	const struct jr_region *r = jr_region_find(code);
	char c[16];

	jr_region_format(code, c, sizeof c);
	if (r != NULL)
		text(h, r->name);
	else
		jr_html_raw(h, "?");
	jr_html_raw(h, " <span class=\"code\">");
	text(h, c);
	jr_html_raw(h, "</span>");
}

static const char *agency_name(uint32_t a, enum jr_lang lang)
{
	switch (a) {
	case JR_AGENCY_DISNAKER: return "Disnaker";
	case JR_AGENCY_DPMD: return "DPMD";
	case JR_AGENCY_DUKCAPIL: return "Dukcapil";
	case JR_AGENCY_BPJSTK: return "BPJS Ketenagakerjaan";
	case JR_AGENCY_DISKOMINFO: return "Diskominfo";
	case JR_AGENCY_BUPATI: return T("Kepala daerah", "Regional head");
	case JR_AGENCY_FUNDER: return T("Penyandang dana", "Funder");
	default: return T("tidak dikenal", "unknown");
	}
}

static const char *sponsor_name(enum jr_sponsor s, enum jr_lang lang)
{
	switch (s) {
	case JR_SPONSOR_APBD: return T("Pemerintah (APBD)", "Government (APBD)");
	case JR_SPONSOR_CSR: return T("Perusahaan (CSR)", "Companies (CSR)");
	case JR_SPONSOR_VILLAGE: return T("Desa (dana desa)", "Villages (village funds)");
	case JR_SPONSOR_ASN: return T("ASN Sertakan", "Civil-servant sponsors (ASN)");
	default: return "?";
	}
}

static const char STYLE[] =
	"body{font-family:'Noto Sans',sans-serif;margin:0;color:#1b1b1b;background:#fafaf7}"
	"header{background:#0b5d4b;color:#fff;padding:1rem 1.5rem}"
	"header h1{margin:0;font-size:1.5rem}header p{margin:.3rem 0 0}"
	"header a{color:#fff}nav{float:right}"
	"main{max-width:60rem;margin:0 auto;padding:0 1.5rem 2rem}"
	"section{margin-top:1.5rem}h2{font-size:1.2rem;border-bottom:2px solid #0b5d4b}"
	"table{border-collapse:collapse;width:100%;font-size:.9rem}"
	"th,td{border-bottom:1px solid #ccc;padding:.25rem .4rem;text-align:left}"
	"td.n,th.n{text-align:right}td.s{color:#777}.code{color:#666;font-size:.8em}"
	"pre{background:#eee;padding:.5rem;overflow-x:auto;font-size:.75rem}"
	"form{background:#e6f1ee;padding:1rem}label{display:inline-block;margin-right:1rem}"
	"input{font-size:1rem;padding:.3rem;font-family:monospace}"
	".answer{border-left:6px solid #0b5d4b;padding:.5rem 1rem;background:#fff}"
	".warn{border-left-color:#b35c00}footer{color:#555;font-size:.8rem;margin-top:2rem}";

static void head(struct jr_html *h, enum jr_lang lang, const char *title,
	const char *switch_href)
{
	jr_html_fmt(h, "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n"
		"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
		"<title>", lang == JR_LANG_EN ? "en" : "id");
	text(h, title);
	jr_html_raw(h, "</title>\n<style>");
	jr_html_raw(h, STYLE);
	jr_html_raw(h, "</style>\n</head>\n<body>\n<header>\n<nav>");
	jr_html_fmt(h, "<a href=\"%s\" hreflang=\"%s\" lang=\"%s\">%s</a>", switch_href,
		lang == JR_LANG_EN ? "id" : "en", lang == JR_LANG_EN ? "id" : "en",
		lang == JR_LANG_EN ? "Bahasa Indonesia" : "English");
	jr_html_fmt(h, "</nav>\n<h1>%s</h1>\n<p>%s</p>\n</header>\n<main>\n",
		T("Jaring — buku besar publik bantuan iuran", "Jaring — the public ledger of "
			"contribution assistance"),
		T("Kabupaten dan Kota Tegal. Halaman ini tidak memuat data pribadi siapa pun.",
			"Kabupaten and Kota Tegal. This page holds no one's personal data."));
}

static void foot(struct jr_html *h, enum jr_lang lang, uint64_t tlog_size)
{
	jr_html_raw(h, "<footer><p>");
	jr_html_raw(h, T("Data per ukuran log ", "Data as of log size "));
	num(h, tlog_size, lang);
	jr_html_raw(h, T(". Log lengkap: <a href=\"/checkpoint\">/checkpoint</a> dan "
		"<code>/tile/…</code> (c2sp.org/tlog-tiles); periksa dengan jaring-audit.",
		". The whole log: <a href=\"/checkpoint\">/checkpoint</a> and <code>/tile/…</code> "
		"(c2sp.org/tlog-tiles); check it with jaring-audit."));
	jr_html_raw(h, "</p></footer>\n</main>\n</body>\n</html>\n");
}

/* ---- the main page --------------------------------------------------- */

static void checkpoint(struct jr_html *h, const struct jr_page_checkpoint *cp,
	enum jr_lang lang)
{
	struct jr_checkpoint c;
	struct jr_note n;
	char root[sodium_base64_ENCODED_LEN(JR_TLOG_HASH_BYTES, sodium_base64_VARIANT_ORIGINAL)];

	jr_html_fmt(h, "<section id=\"checkpoint\">\n<h2>%s</h2>\n",
		T("Checkpoint terbaru yang ditandatangani bersama", "Latest cosigned checkpoint"));
	if (cp->note == NULL || jr_note_parse(cp->note, cp->len, &n, NULL) != JR_OK ||
	    jr_checkpoint_parse_text(n.text, n.text_len, &c, NULL) != JR_OK) {
		jr_html_fmt(h, "<p>%s</p>\n</section>\n",
			T("Belum ada checkpoint yang ditandatangani oleh kuorum node.",
				"No checkpoint has been cosigned by a quorum of the nodes yet."));
		return;
	}
	(void)sodium_bin2base64(root, sizeof root, c.root, sizeof c.root,
		sodium_base64_VARIANT_ORIGINAL);
	jr_html_fmt(h, "<table>\n<tr><th>%s</th><td>", T("Asal log", "Log origin"));
	text(h, c.origin);
	jr_html_fmt(h, "</td></tr>\n<tr><th>%s</th><td>", T("Ukuran pohon", "Tree size"));
	num(h, c.size, lang);
	jr_html_fmt(h, "</td></tr>\n<tr><th>%s</th><td><code>", T("Akar (SHA-256)",
		"Root (SHA-256)"));
	text(h, root);
	jr_html_fmt(h, "</code></td></tr>\n<tr><th>%s</th><td>%zu</td></tr>\n</table>\n",
		T("Saksi yang menandatangani", "Witnesses that cosigned"), cp->cosigned);
	jr_html_fmt(h, "<details><summary>%s</summary><pre>",
		T("Catatan bertanda tangan (c2sp.org/tlog-checkpoint)",
			"The signed note (c2sp.org/tlog-checkpoint)"));
	jr_html_text(h, (const char *)cp->note, cp->len);
	jr_html_raw(h, "</pre></details>\n</section>\n");
}

/* Which cells of a district's row are hidden (see the file's comment). */
static void row_hide(const struct jr_public_district *d, bool hide[6])
{
	const uint64_t v[6] = { d->registered, d->review, d->returned, d->rejected,
		d->held, d->decreed };
	size_t lone = 0, best = 0;

	for (size_t i = 0; i < 6; i++) {
		hide[i] = small(v[i]);
		lone += i > 0 && hide[i];
	}
	if (hide[0]) {
		for (size_t i = 1; i < 6; i++)
			hide[i] = v[i] > 0;
		return;
	}
	if (lone != 1)
		return;
	for (size_t i = 1; i < 6; i++)
		if (!hide[i] && v[i] > 0 && (best == 0 || v[i] < v[best]))
			best = i;
	if (best != 0)
		hide[best] = true;
}

static void coverage(struct jr_html *h, const struct jr_public_figures *f,
	enum jr_lang lang)
{
	jr_html_fmt(h, "<section id=\"coverage\">\n<h2>%s</h2>\n<p>", T("Cakupan per kecamatan",
		"Coverage by district"));
	jr_html_raw(h, T("Pendaftaran yang diterima pusat: ", "Registrations the centre took: "));
	num(h, f->registrations, lang);
	jr_html_raw(h, T(", dari ", ", from "));
	num(h, f->kiosks, lang);
	jr_html_fmt(h, T(" kios. <strong>x</strong>: angka di bawah %d per kecamatan "
		"disembunyikan, dan satu angka lain di baris yang sama, agar angka kecil tidak "
		"dapat dihitung dari totalnya.", " kiosks. <strong>x</strong>: a count under %d "
		"in a district is suppressed, and one more count of the same row, so that the "
		"small one cannot be worked out from the total."), JR_PUBLIC_MIN_CELL);
	jr_html_raw(h, "</p>\n");
	jr_page_render_svg(h, f, lang, false);
	jr_html_fmt(h, "<table>\n<tr><th>%s</th><th class=\"n\">%s</th><th class=\"n\">%s</th>"
		"<th class=\"n\">%s</th><th class=\"n\">%s</th><th class=\"n\">%s</th>"
		"<th class=\"n\">%s</th></tr>\n", T("Kecamatan", "District"),
		T("Terdaftar", "Registered"), T("Verifikasi", "In review"),
		T("Dikembalikan", "Returned"), T("Ditolak", "Rejected"), T("Ditahan", "Held"),
		T("Dalam SK", "Decreed"));
	for (size_t i = 0; i < f->n_districts; i++) {
		const struct jr_public_district *d = &f->districts[i];
		const uint64_t v[6] = { d->registered, d->review, d->returned, d->rejected,
			d->held, d->decreed };
		bool hide[6];

		row_hide(d, hide);
		jr_html_raw(h, "<tr><td>");
		region_name(h, d->district);
		jr_html_raw(h, "</td>");
		for (size_t j = 0; j < 6; j++)
			cell(h, v[j], hide[j], lang);
		jr_html_raw(h, "</tr>\n");
	}
	jr_html_raw(h, "</table>\n");
	if (f->districts_more)
		jr_html_fmt(h, "<p>%s %d.</p>\n", T("Hanya kecamatan pertama yang ditampilkan:",
			"Only the first districts are shown:"), JR_PUBLIC_MAX_DISTRICTS);
	jr_html_raw(h, "</section>\n");
}

static void more(struct jr_html *h, bool more, enum jr_lang lang)
{
	if (more)
		jr_html_fmt(h, "<p>%s %d.</p>\n", T("Hanya baris pertama yang ditampilkan:",
			"Only the first rows are shown:"), JR_PUBLIC_MAX_ROWS);
}

static void decrees(struct jr_html *h, const struct jr_public_figures *f, enum jr_lang lang)
{
	jr_html_fmt(h, "<section id=\"decrees\">\n<h2>%s</h2>\n", T("Keputusan kepala daerah",
		"Decrees of the regional heads"));
	if (f->n_decrees == 0) {
		jr_html_fmt(h, "<p>%s</p>\n</section>\n", T("Belum ada keputusan.",
			"No decree yet."));
		return;
	}
	jr_html_fmt(h, "<table>\n<tr><th>%s</th><th>%s</th><th>%s</th><th>%s</th>"
		"<th class=\"n\">%s</th><th class=\"n\">%s</th><th class=\"n\">%s</th>"
		"<th class=\"n\">%s</th></tr>\n", T("Nomor", "Number"), T("Wilayah", "Region"),
		T("Mulai", "From"), T("Alokasi", "Allocation"), T("Penerima", "Recipients"),
		T("Iuran/bulan", "Per month"), T("Biaya", "Cost"), T("Dibayar", "Paid"));
	for (size_t i = 0; i < f->n_decrees; i++) {
		const struct jr_centre_decree_state *d = &f->decrees[i];

		jr_html_raw(h, "<tr><td>");
		text(h, d->number);
		jr_html_raw(h, "</td><td>");
		region_name(h, d->region);
		jr_html_raw(h, "</td><td>");
		month(h, d->start, lang);
		jr_html_fmt(h, T(", %u bulan", ", %u months"), d->months);
		jr_html_raw(h, "</td><td>");
		text(h, d->allocation);
		jr_html_raw(h, "</td><td class=\"n\">");
		num(h, d->count, lang);
		jr_html_raw(h, "</td><td class=\"n\">");
		rupiah(h, d->rate_rp, lang);
		jr_html_raw(h, "</td><td class=\"n\">");
		rupiah(h, d->cost_rp, lang);
		jr_html_raw(h, "</td><td class=\"n\">");
		rupiah(h, d->paid_rp, lang);
		jr_html_raw(h, "</td></tr>\n");
	}
	jr_html_raw(h, "</table>\n");
	more(h, f->decrees_more, lang);
	jr_html_raw(h, "</section>\n");
}

static void money(struct jr_html *h, const struct jr_public_figures *f, enum jr_lang lang)
{
	jr_html_fmt(h, "<section id=\"money\">\n<h2>%s</h2>\n<table>\n<tr><th>%s</th><th>%s"
		"</th><th>%s</th><th class=\"n\">%s</th><th class=\"n\">%s</th><th class=\"n\">"
		"%s</th><th class=\"n\">%s</th></tr>\n",
		T("Alokasi dan pembayaran", "Allocations and payments"), T("Alokasi", "Allocation"),
		T("Jenis", "Type"), T("Penyandang dana", "Sponsor"), T("Anggaran", "Budget"),
		T("Dijanjikan SK", "Committed by decrees"), T("Dibayar", "Paid"),
		T("Sisa", "Left"));
	for (size_t i = 0; i < f->n_allocations; i++) {
		const struct jr_centre_allocation *a = &f->allocations[i];

		jr_html_raw(h, "<tr><td>");
		text(h, a->id);
		jr_html_raw(h, "</td><td>");
		text(h, sponsor_name(a->type, lang));
		jr_html_raw(h, "</td><td>");
		text(h, a->sponsor);
		jr_html_raw(h, "</td><td class=\"n\">");
		rupiah(h, a->amount_rp, lang);
		jr_html_raw(h, "</td><td class=\"n\">");
		rupiah(h, a->committed_rp, lang);
		jr_html_raw(h, "</td><td class=\"n\">");
		rupiah(h, a->paid_rp, lang);
		jr_html_raw(h, "</td><td class=\"n\">");
		rupiah(h, a->amount_rp > a->paid_rp ? a->amount_rp - a->paid_rp : 0, lang);
		jr_html_raw(h, "</td></tr>\n");
	}
	jr_html_raw(h, "</table>\n");
	more(h, f->allocations_more, lang);
	jr_html_fmt(h, "<h3>%s</h3>\n<table>\n<tr><th>%s</th><th>%s</th><th class=\"n\">%s"
		"</th><th class=\"n\">%s</th><th class=\"n\">%s</th></tr>\n",
		T("Pembayaran iuran per bulan", "Contributions paid per month"),
		T("Alokasi", "Allocation"), T("Bulan", "Month"), T("Tindakan", "Acts"),
		T("Pekerja", "Workers"), T("Jumlah", "Amount"));
	for (size_t i = 0; i < f->n_payments; i++) {
		const struct jr_public_payment *p = &f->payments[i];

		jr_html_raw(h, "<tr><td>");
		text(h, p->allocation);
		jr_html_raw(h, "</td><td>");
		month(h, p->month, lang);
		jr_html_raw(h, "</td><td class=\"n\">");
		num(h, p->acts, lang);
		jr_html_raw(h, "</td><td class=\"n\">");
		num(h, p->recipients, lang);
		jr_html_raw(h, "</td><td class=\"n\">");
		rupiah(h, p->amount_rp, lang);
		jr_html_raw(h, "</td></tr>\n");
	}
	jr_html_raw(h, "</table>\n");
	more(h, f->payments_more, lang);
	jr_html_raw(h, "</section>\n");
}

static void views(struct jr_html *h, const struct jr_public_figures *f, enum jr_lang lang)
{
	jr_html_fmt(h, "<section id=\"views\">\n<h2>%s</h2>\n<p>%s</p>\n<table>\n<tr><th>%s"
		"</th><th class=\"n\">%s</th></tr>\n",
		T("Akses ke data pribadi", "Access to personal data"),
		T("Setiap kali petugas tim verifikasi melihat data pribadi, tindakan itu "
			"ditandatangani dan dicatat di log.",
			"Every time an official of the verification team views personal data, the "
			"act is signed and goes on the log."),
		T("Instansi", "Agency"), T("Pendaftaran yang datanya dilihat",
			"Registrations whose data was viewed"));
	for (uint32_t a = 1; a <= JR_AGENCY_MAX; a++) {
		if (f->viewed_by_agency[a] == 0)
			continue;
		jr_html_raw(h, "<tr><td>");
		text(h, agency_name(a, lang));
		jr_html_raw(h, "</td><td class=\"n\">");
		num(h, f->viewed_by_agency[a], lang);
		jr_html_raw(h, "</td></tr>\n");
	}
	jr_html_fmt(h, "</table>\n<h3>%s</h3>\n<table>\n<tr><th>%s</th><th>%s</th>"
		"<th class=\"n\">%s</th><th class=\"n\">%s</th></tr>\n",
		T("Per petugas (kunci penandatangan)", "Per official (signing key)"),
		T("Kunci", "Key"), T("Instansi", "Agency"), T("Tindakan lihat", "View acts"),
		T("Pendaftaran", "Registrations"));
	for (size_t i = 0; i < f->n_viewers; i++) {
		const struct jr_public_viewer *v = &f->viewers[i];
		char fp[JR_KEYID_FINGERPRINT_LEN + 1];

		jr_keyid_fingerprint(v->official, fp);
		jr_html_raw(h, "<tr><td><code>");
		text(h, fp);
		jr_html_raw(h, "</code></td><td>");
		text(h, agency_name(v->agency, lang));
		jr_html_raw(h, "</td><td class=\"n\">");
		num(h, v->acts, lang);
		jr_html_raw(h, "</td><td class=\"n\">");
		num(h, v->registrations, lang);
		jr_html_raw(h, "</td></tr>\n");
	}
	jr_html_raw(h, "</table>\n");
	more(h, f->viewers_more, lang);
	jr_html_raw(h, "</section>\n");
}

static void form(struct jr_html *h, enum jr_lang lang, const char *kiosk, const char *code)
{
	jr_html_fmt(h, "<section id=\"receipt\">\n<h2>%s</h2>\n<form method=\"get\" "
		"action=\"/public/receipt\">\n<p>%s</p>\n", T("Cek tanda terima saya",
			"Check my receipt"),
		T("Ketik kode di bawah QR pada tanda terima Anda dan kode kios yang tercetak di "
			"atasnya.", "Type the code printed under the QR of your receipt and the "
			"kiosk's code printed above it."));
	jr_html_fmt(h, "<label>%s <input name=\"kiosk\" size=\"10\" maxlength=\"16\" "
		"placeholder=\"XXXX-XXXX\" required value=\"", T("Kode kios", "Kiosk code"));
	text(h, kiosk != NULL ? kiosk : "");
	jr_html_fmt(h, "\"></label>\n<label>%s <input name=\"code\" size=\"12\" maxlength=\"24\" "
		"placeholder=\"XXXXX-XXXXX\" required value=\"", T("Kode tanda terima",
			"Receipt code"));
	text(h, code != NULL ? code : "");
	jr_html_fmt(h, "\"></label>\n<input type=\"hidden\" name=\"lang\" value=\"%s\">\n"
		"<button type=\"submit\">%s</button>\n</form>\n</section>\n",
		lang == JR_LANG_EN ? "en" : "id", T("Periksa", "Check"));
}

void jr_page_render(struct jr_html *h, const struct jr_public_figures *f,
	const struct jr_page_checkpoint *cp, enum jr_lang lang)
{
	head(h, lang, T("Jaring — buku besar publik", "Jaring — public ledger"),
		lang == JR_LANG_EN ? "/public?lang=id" : "/public?lang=en");
	checkpoint(h, cp, lang);
	coverage(h, f, lang);
	decrees(h, f, lang);
	money(h, f, lang);
	views(h, f, lang);
	form(h, lang, NULL, NULL);
	foot(h, lang, f->tlog_size);
}

/* ---- the coverage chart ---------------------------------------------- */

#define SVG_W 720
#define SVG_LABEL 190
#define SVG_ROW 26

void jr_page_render_svg(struct jr_html *h, const struct jr_public_figures *f,
	enum jr_lang lang, bool standalone)
{
	uint64_t max = 1;
	unsigned height = (unsigned)(f->n_districts + 2) * SVG_ROW;
	const unsigned span = SVG_W - SVG_LABEL - 70;

	for (size_t i = 0; i < f->n_districts; i++)
		if (f->districts[i].registered > max)
			max = f->districts[i].registered;
	if (standalone)
		jr_html_raw(h, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	jr_html_fmt(h, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%u\" height=\"%u\" "
		"viewBox=\"0 0 %u %u\" role=\"img\" aria-labelledby=\"cov-title\" "
		"font-family=\"Noto Sans, sans-serif\" font-size=\"13\">\n<title id=\"cov-title\">%s"
		"</title>\n", SVG_W, height, SVG_W, height,
		T("Pendaftaran dan penerima dalam SK per kecamatan",
			"Registrations and decreed recipients by district"));
	jr_html_fmt(h, "<rect x=\"%u\" y=\"4\" width=\"14\" height=\"12\" fill=\"#9fd3c4\"/>"
		"<text x=\"%u\" y=\"15\">%s</text>\n<rect x=\"%u\" y=\"4\" width=\"14\" height=\"12\" "
		"fill=\"#0b5d4b\"/><text x=\"%u\" y=\"15\">%s</text>\n", SVG_LABEL, SVG_LABEL + 20,
		T("terdaftar", "registered"), SVG_LABEL + 130, SVG_LABEL + 150,
		T("dalam SK (dilindungi)", "decreed (covered)"));
	for (size_t i = 0; i < f->n_districts; i++) {
		const struct jr_public_district *d = &f->districts[i];
		const struct jr_region *r = jr_region_find(d->district);
		unsigned y = (unsigned)(i + 1) * SVG_ROW;
		bool hide[6];

		row_hide(d, hide);
		jr_html_fmt(h, "<text x=\"%u\" y=\"%u\" text-anchor=\"end\">", SVG_LABEL - 8, y + 16);
		text(h, r != NULL ? r->name : "?");
		jr_html_raw(h, "</text>\n");
		if (hide[0]) {
			jr_html_fmt(h, "<text x=\"%u\" y=\"%u\" fill=\"#777\">x</text>\n",
				SVG_LABEL, y + 16);
			continue;
		}
		jr_html_fmt(h, "<rect x=\"%u\" y=\"%u\" width=\"%llu\" height=\"18\" "
			"fill=\"#9fd3c4\"/>\n", SVG_LABEL, y + 3,
			(unsigned long long)(d->registered * span / max));
		if (!hide[5] && d->decreed > 0)
			jr_html_fmt(h, "<rect x=\"%u\" y=\"%u\" width=\"%llu\" height=\"18\" "
				"fill=\"#0b5d4b\"/>\n", SVG_LABEL, y + 3,
				(unsigned long long)(d->decreed * span / max));
		jr_html_fmt(h, "<text x=\"%llu\" y=\"%u\">", (unsigned long long)(SVG_LABEL + 6 +
			d->registered * span / max), y + 16);
		num(h, d->registered, lang);
		if (!hide[5]) {
			jr_html_raw(h, " / ");
			num(h, d->decreed, lang);
		}
		jr_html_raw(h, "</text>\n");
	}
	if (f->n_districts == 0)
		jr_html_fmt(h, "<text x=\"%u\" y=\"%u\">%s</text>\n", SVG_LABEL, SVG_ROW + 16,
			T("Belum ada pendaftaran.", "No registration yet."));
	jr_html_raw(h, "</svg>\n");
}

/* ---- the receipt check ----------------------------------------------- */

static const char *state_text(enum jr_status_state s, enum jr_lang lang)
{
	switch (s) {
	case JR_ST_RECEIVED: return T("Diterima pusat; pemeriksaan berjalan.",
		"Received by the centre; checks are running.");
	case JR_ST_RETURNED: return T("Dikembalikan untuk perbaikan.",
		"Returned for correction.");
	case JR_ST_IN_REVIEW: return T("Sedang diverifikasi oleh instansi.",
		"Being reviewed by the agencies.");
	case JR_ST_APPROVED: return T("Disetujui semua instansi; menunggu keputusan kepala "
		"daerah.", "Approved by every agency; waiting for the regional head's decree.");
	case JR_ST_DECREED: return T("Masuk keputusan kepala daerah.",
		"On a decree of the regional head.");
	case JR_ST_PROTECTED: return T("Terlindungi: iuran dibayar.",
		"Protected: contributions are paid.");
	case JR_ST_REJECTED: return T("Tidak memenuhi syarat.", "Not eligible.");
	case JR_ST_HELD: return T("Ditahan: kios mencatat dua blok pada satu tinggi; "
		"program sedang menyelesaikannya.", "Held: the kiosk signed two blocks at one "
		"height; the programme is resolving it.");
	}
	return "?";
}

static void status_rows(struct jr_html *h, const struct jr_status *s, enum jr_lang lang)
{
	jr_html_fmt(h, "<p class=\"state\"><strong>%s</strong></p>\n<table>\n",
		state_text(s->state, lang));
	if (s->state == JR_ST_IN_REVIEW || s->state == JR_ST_APPROVED)
		jr_html_fmt(h, T("<tr><th>Persetujuan</th><td>%u dari %u instansi</td></tr>\n",
			"<tr><th>Approvals</th><td>%u of %u agencies</td></tr>\n"),
			s->approvals, s->agencies);
	for (size_t i = 0; i < s->n_reasons; i++) {
		jr_html_fmt(h, "<tr><th>%s %u</th><td>", T("Alasan", "Reason"),
			(unsigned)s->reasons[i]);
		text(h, jr_reason_message(s->reasons[i], lang));
		jr_html_raw(h, "</td></tr>\n");
	}
	if (s->decree[0] != '\0') {
		jr_html_fmt(h, "<tr><th>%s</th><td>", T("Keputusan", "Decree"));
		text(h, s->decree);
		jr_html_raw(h, "</td></tr>\n");
	}
	if (s->protected_from != 0) {
		jr_html_fmt(h, "<tr><th>%s</th><td>", T("Dilindungi", "Protected"));
		date(h, s->protected_from, lang);
		jr_html_raw(h, " – ");
		date(h, s->protected_to, lang);
		jr_html_raw(h, "</td></tr>\n");
	}
	if (s->paid_through != 0) {
		jr_html_fmt(h, "<tr><th>%s</th><td>", T("Dibayar sampai", "Paid through"));
		month(h, s->paid_through, lang);
		jr_html_raw(h, "</td></tr>\n");
	}
	jr_html_fmt(h, "<tr><th>%s</th><td>", T("Instansi yang melihat data pribadinya",
		"Agencies that viewed its personal data"));
	if (s->viewed == 0)
		jr_html_raw(h, T("tidak ada", "none"));
	for (uint32_t a = 1, first = 1; a <= JR_AGENCY_MAX; a++) {
		if ((s->viewed & (1u << a)) == 0)
			continue;
		jr_html_raw(h, first ? "" : ", ");
		text(h, agency_name(a, lang));
		first = 0;
	}
	jr_html_raw(h, "</td></tr>\n</table>\n");
}

static void answer(struct jr_html *h, const struct jr_page_receipt *r, enum jr_lang lang)
{
	const char *warn = "<div class=\"answer warn\" id=\"answer\">\n<p>";

	switch (r->answer) {
	case JR_PA_FORM:
		return;
	case JR_PA_LIMITED:
		jr_html_raw(h, warn);
		jr_html_fmt(h, T("Terlalu banyak pemeriksaan dari alamat Anda. Coba lagi dalam %u "
			"detik.", "Too many checks from your address. Try again in %u seconds."),
			r->retry_s);
		jr_html_raw(h, "</p>\n</div>\n");
		return;
	case JR_PA_BAD_KIOSK:
		jr_html_raw(h, warn);
		jr_html_raw(h, T("Kode kios terdiri dari 8 huruf dan angka, seperti ZK90-VCVG. "
			"Periksa kode yang tercetak di tanda terima.", "A kiosk code is 8 letters "
			"and digits, such as ZK90-VCVG. Check the code printed on the receipt."));
		jr_html_raw(h, "</p>\n</div>\n");
		return;
	case JR_PA_BAD_CODE:
		jr_html_raw(h, warn);
		jr_html_raw(h, T("Kode tanda terima tidak valid: 10 huruf dan angka, seperti "
			"XBH6N-08R8B. Periksa setiap karakter.", "The receipt code is not valid: "
			"10 letters and digits, such as XBH6N-08R8B. Check every character."));
		jr_html_raw(h, "</p>\n</div>\n");
		return;
	case JR_PA_NOT_FOUND:
		jr_html_raw(h, warn);
		jr_html_raw(h, T("Belum ada pendaftaran dengan kode ini dari kios ini di buku "
			"besar. Pendaftaran sampai ke pusat saat petugas menyinkronkan kios; coba "
			"lagi setelah kunjungan berikutnya.", "No registration with this code from "
			"this kiosk is on the ledger yet. It reaches the centre when the officer "
			"syncs the kiosk; try again after the next visit."));
		jr_html_raw(h, "</p>\n</div>\n");
		return;
	case JR_PA_AMBIGUOUS:
		jr_html_raw(h, warn);
		jr_html_raw(h, T("Kode ini cocok dengan lebih dari satu pendaftaran di kios ini, "
			"jadi tidak ada status yang ditampilkan. Pindai QR tanda terima Anda di kios, "
			"atau tanyakan kepada petugas.", "This code matches more than one "
			"registration at this kiosk, so no status is shown. Scan the QR of your "
			"receipt at a kiosk, or ask the officer."));
		jr_html_raw(h, "</p>\n</div>\n");
		return;
	case JR_PA_FOUND:
		break;
	}
	jr_html_raw(h, "<div class=\"answer\" id=\"answer\">\n");
	status_rows(h, &r->status, lang);
	jr_html_fmt(h, "<h3>%s</h3>\n<p>", T("Bukti di buku besar", "Proof on the ledger"));
	if (!r->has_proof) {
		jr_html_raw(h, T("Pendaftaran ini ada di log tetapi belum di checkpoint yang "
			"ditandatangani bersama; coba lagi sebentar lagi.", "This registration is on "
			"the log but not yet in a cosigned checkpoint; try again shortly."));
		jr_html_raw(h, "</p>\n</div>\n");
		return;
	}
	jr_html_raw(h, T("Daun pendaftaran ", "The registration's leaf "));
	num(h, r->leaf, lang);
	jr_html_raw(h, T(" termasuk dalam pohon berukuran ", " is included in the tree of size "));
	num(h, r->cp_size, lang);
	jr_html_raw(h, T(" (bukti inklusi c2sp.org/tlog-proof; jaring-audit memeriksanya):",
		" (an inclusion proof, c2sp.org/tlog-proof; jaring-audit checks it):"));
	jr_html_raw(h, "</p>\n<pre id=\"proof\">");
	jr_html_text(h, (const char *)r->proof, r->proof_len);
	jr_html_raw(h, "</pre>\n</div>\n");
}

/* Letters, digits and '-' only: what a typed code is, and safe in a URL. */
static bool url_safe(const char *s, size_t max)
{
	size_t n = s != NULL ? strnlen(s, max + 1) : 0;

	if (n == 0 || n > max)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= 'a' && s[i] <= 'z') || s[i] == '-'))
			return false;
	return true;
}

void jr_page_render_receipt(struct jr_html *h, const struct jr_page_receipt *r,
	enum jr_lang lang)
{
	char sw[160];
	struct jr_html q = { { NULL, 0 }, 128, false };

	/* the same check in the other language: the typed values, escaped */
	jr_html_raw(&q, lang == JR_LANG_EN ? "/public/receipt?lang=id" : "/public/receipt?lang=en");
	if (r->answer != JR_PA_FORM && r->answer != JR_PA_LIMITED && url_safe(r->kiosk, 16) &&
	    url_safe(r->code, 24)) {
		jr_html_raw(&q, "&amp;kiosk=");
		jr_html_text(&q, r->kiosk, strnlen(r->kiosk, 16));
		jr_html_raw(&q, "&amp;code=");
		jr_html_text(&q, r->code, strnlen(r->code, 24));
	}
	if (q.failed || q.b.len >= sizeof sw)
		(void)snprintf(sw, sizeof sw, "%s", lang == JR_LANG_EN ?
			"/public/receipt?lang=id" : "/public/receipt?lang=en");
	else
		(void)snprintf(sw, sizeof sw, "%.*s", (int)q.b.len, (const char *)q.b.base);
	jr_buf_free(&q.b);
	head(h, lang, T("Jaring — cek tanda terima", "Jaring — check a receipt"), sw);
	jr_html_fmt(h, "<p><a href=\"/public?lang=%s\">%s</a></p>\n",
		lang == JR_LANG_EN ? "en" : "id", T("← Buku besar publik", "← The public ledger"));
	answer(h, r, lang);
	form(h, lang, r->kiosk, r->code);
	jr_html_raw(h, "</main>\n</body>\n</html>\n");
}
