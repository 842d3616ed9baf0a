package exercise

import (
	"fmt"
	"html"
	"strings"

	"github.com/flowmatching/gofm/fmkit/nb"
)

var statusMark = map[Status]string{Passed: "[ok]", Failed: "[failed]", NotYet: "[todo]", Waiting: "[waiting]"}

// String is the checklist as plain text, one item a line, in Lang.
func (r *Report) String() string {
	var b strings.Builder
	colon := Text{"：", ": "}.String()
	if Lang == Bilingual {
		colon = ": "
	}
	fmt.Fprintf(&b, "%s%s%s\n", r.Title, colon, r.summary())
	for _, it := range r.Items {
		fmt.Fprintf(&b, "  %-9s %s%s%s\n", statusMark[it.Status], it.Name, colon, it.Detail)
	}
	return b.String()
}

var statusHTML = map[Status]struct{ icon, colour string }{
	Passed:  {"&#x2705;", "#1a7f37"},
	Failed:  {"&#x274C;", "#cf222e"},
	NotYet:  {"&#x270F;&#xFE0F;", "#6e7781"},
	Waiting: {"&#x23F3;", "#9a6700"},
}

// htmlText is t in Lang, escaped; Bilingual shows the English under the
// Chinese, in grey.
func htmlText(t Text) string {
	if Lang == Bilingual && t.ZH != "" && t.ZH != t.EN {
		return html.EscapeString(t.ZH) + `<br><span style="color:#57606a">` + html.EscapeString(t.EN) + `</span>`
	}
	return html.EscapeString(t.String())
}

// withEnglish is a short text (a status, a summary) in Lang, followed by
// its English in parentheses when Lang is not English: "通过 (passed)". The
// statuses and counts of a checklist thus read the same in every language,
// for the student and for the browser test of the notebooks.
func withEnglish(t Text) string {
	if Lang == English || t.ZH == "" || t.ZH == t.EN {
		return t.EN
	}
	return t.ZH + " (" + t.EN + ")"
}

// statusLabel is the status of an item as the HTML shows it: "(passed)",
// or "通过 (passed)" in Chinese.
func statusLabel(s Status) string {
	t := statusText[s]
	if Lang == English {
		return "(" + t.EN + ")"
	}
	return withEnglish(t)
}

// HTML is the checklist as an HTML fragment.
func (r *Report) HTML() string {
	border := "#6e7781"
	switch {
	case r.Passed():
		border = "#1a7f37"
	case r.Count(Failed) > 0:
		border = "#cf222e"
	case r.Count(Waiting) > 0:
		border = "#9a6700"
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<div style="border-left:5px solid %s;padding:4px 12px;margin:4px 0">`, border)
	fmt.Fprintf(&b, `<div style="font-weight:bold">%s <span style="font-weight:normal;color:#57606a">&mdash; %s</span></div>`,
		htmlText(r.Title), html.EscapeString(withEnglish(r.summary())))
	b.WriteString(`<ul style="list-style:none;padding-left:4px;margin:4px 0">`)
	for _, it := range r.Items {
		s := statusHTML[it.Status]
		fmt.Fprintf(&b, `<li>%s <b>%s</b> <span style="color:%s">%s</span>: %s</li>`,
			s.icon, htmlText(it.Name), s.colour, html.EscapeString(statusLabel(it.Status)), htmlText(it.Detail))
	}
	b.WriteString(`</ul></div>`)
	return b.String()
}

// Show displays the checklist: HTML in a notebook, plain text on standard
// output elsewhere.
func (r *Report) Show() {
	if nb.InNotebook() {
		nb.HTML(r.HTML())
		nb.Sync()
		return
	}
	fmt.Print(r.String())
}
