package exercise

import (
	"fmt"
	"os"
	"regexp"
	"strings"
)

// Language is the language of the checklists and of the text the analyses
// print.
type Language int

// The languages of the reports.
const (
	Chinese   Language = iota // 中文 (the default: the chapter is written in Chinese)
	English                   // English
	Bilingual                 // Chinese, then English
)

// Lang is the language of every report of this package: the checklists'
// titles, item names and hints, and the sentences the analyses print. It
// starts from the environment variable FMKIT_LANG ("zh", "en" or "both";
// Chinese when unset or unknown). In a GoNB notebook, a cell
//
//	%env FMKIT_LANG en
//
// switches every later cell (each cell is a new process that inherits the
// kernel's environment); so does a declaration, which GoNB keeps from cell
// to cell and runs as an init function:
//
//	func init_lang() { exercise.Lang = exercise.English }
var Lang = langFromEnv()

func langFromEnv() Language {
	switch strings.ToLower(strings.TrimSpace(os.Getenv("FMKIT_LANG"))) {
	case "en", "english":
		return English
	case "both", "bilingual", "zh+en":
		return Bilingual
	default:
		return Chinese
	}
}

// Text is a message in both languages; String picks the one of Lang.
type Text struct {
	ZH, EN string
}

// String returns the text in the language of Lang (both, Chinese first, for
// Bilingual).
func (t Text) String() string {
	switch Lang {
	case English:
		return t.EN
	case Bilingual:
		if t.ZH == t.EN || t.ZH == "" {
			return t.EN
		}
		return t.ZH + " / " + t.EN
	default:
		if t.ZH == "" {
			return t.EN
		}
		return t.ZH
	}
}

// IsZero reports whether the text is empty in both languages.
func (t Text) IsZero() bool { return t.ZH == "" && t.EN == "" }

// tr formats a message in both languages with the same arguments (the
// Chinese format may reorder them with explicit indexes, %[2]v). An
// argument that is a Text gives its Chinese text to the Chinese format and
// its English text to the English one.
func tr(zh, en string, args ...any) Text {
	if len(args) == 0 {
		return Text{zh, en}
	}
	za, ea := make([]any, len(args)), make([]any, len(args))
	for i, a := range args {
		if t, ok := a.(Text); ok {
			za[i], ea[i] = t.ZH, t.EN
		} else {
			za[i], ea[i] = a, a
		}
	}
	return Text{fmt.Sprintf(zh, za...), fmt.Sprintf(en, ea...)}
}

// both is a text that reads the same in both languages (a formula, a
// number, a message of Go or GoMLX).
func both(s string) Text { return Text{s, s} }

// cat concatenates texts.
func cat(ts ...Text) Text {
	var zh, en strings.Builder
	for _, t := range ts {
		zh.WriteString(t.ZH)
		en.WriteString(t.EN)
	}
	return Text{zh.String(), en.String()}
}

// paren appends detail to t in parentheses: "t（detail）" in Chinese,
// "t (detail)" in English.
func paren(t, detail Text) Text {
	if detail.IsZero() {
		return t
	}
	if t.IsZero() {
		return detail
	}
	return Text{t.ZH + "（" + detail.ZH + "）", t.EN + " (" + detail.EN + ")"}
}

// partLabel matches the labels of the parts, "part 1a (timeEmbedding)".
var partLabel = regexp.MustCompile(`^part (\w+) \((\w+)\)$`)

// partText is the label of a part (Part1a, ...) in both languages: "第 1a
// 部分（timeEmbedding）" and "part 1a (timeEmbedding)". Other labels are
// returned as they are.
func partText(label string) Text {
	if m := partLabel.FindStringSubmatch(label); m != nil {
		return Text{fmt.Sprintf("第 %s 部分（%s）", m[1], m[2]), label}
	}
	return both(label)
}
