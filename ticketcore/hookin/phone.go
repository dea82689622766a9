package hookin

import (
	"errors"
	"strings"
)

const maxPhoneInput = 40

var (
	errPhoneChars = errors.New("may contain only digits, spaces, '-', '.', parentheses and a leading '+'")
	errPhoneShort = errors.New("has too few digits")
	errPhoneLong  = errors.New("has more than 15 digits")
	errPhoneIntl  = errors.New("is not an international number: 7 to 15 digits after the country code's '+', not starting with 0")
)

// NormalizePhone turns a phone number as people write it into E.164
// ("+86 138-0013-8000" and "0086 13800138000" both become "+8613800138000").
// A number written without a country code gets callingCode (e.g. "86") after
// its national trunk prefix is dropped; when callingCode is empty such a
// number is returned as its digits only, since a guessed country would
// make the customers of two countries one. Full-width digits and
// punctuation, as Chinese input methods type them, are accepted.
//
// The result always matches ^\+?[0-9]+$ and is what the ticket core's own
// NormalizePhone would keep of it, so both identify the customer alike.
func NormalizePhone(s, callingCode string) (string, error) {
	s = strings.TrimSpace(foldPhone(s))
	if len([]rune(s)) > maxPhoneInput {
		return "", errors.New("is longer than 40 characters")
	}
	intl := strings.HasPrefix(s, "+")
	if intl {
		// "+44 (0)20 ..." marks the trunk prefix that callers from abroad
		// leave out.
		s = strings.ReplaceAll(s[1:], "(0)", "")
	}
	var d strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			d.WriteByte(c)
		case c == ' ' || c == '-' || c == '.' || c == '(' || c == ')':
		default:
			return "", errPhoneChars
		}
	}
	digits := d.String()
	if !intl {
		switch {
		case strings.HasPrefix(digits, "00"):
			intl, digits = true, digits[2:]
		case callingCode == "1" && strings.HasPrefix(digits, "011"):
			intl, digits = true, digits[3:]
		}
	}
	if intl {
		if len(digits) < 7 || len(digits) > 15 || digits[0] == '0' {
			return "", errPhoneIntl
		}
		return "+" + digits, nil
	}
	if len(digits) < 4 {
		return "", errPhoneShort
	}
	if len(digits) > 15 {
		return "", errPhoneLong
	}
	if callingCode == "" {
		return digits, nil
	}
	national := digits
	switch {
	case callingCode == "86" && len(digits) == 13 && strings.HasPrefix(digits, "86") && chineseMobile(digits[2:]):
		// A Chinese mobile number with its country code but without the
		// '+': 13 digits cannot be a national number.
		return "+" + digits, nil
	case callingCode == "1":
		if len(digits) == 11 && digits[0] == '1' {
			national = digits[1:]
		}
	case callingCode == "39":
		// Italian numbers keep their leading 0 in E.164.
	default:
		national = strings.TrimPrefix(digits, "0")
	}
	e := callingCode + national
	if national == "" || (national[0] == '0' && callingCode != "39") || len(e) < 7 || len(e) > 15 {
		// Not a number of that country as far as we can tell: keep what
		// was given rather than invent a wrong E.164 number.
		return digits, nil
	}
	return "+" + e, nil
}

// chineseMobile reports whether d is a mainland China mobile number:
// 11 digits starting 13 to 19.
func chineseMobile(d string) bool {
	if len(d) != 11 || d[0] != '1' || d[1] < '3' || d[1] > '9' {
		return false
	}
	for i := 0; i < len(d); i++ {
		if d[i] < '0' || d[i] > '9' {
			return false
		}
	}
	return true
}

// foldPhone maps the full-width and typographic forms of digits and phone
// punctuation to ASCII.
func foldPhone(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= '０' && r <= '９':
			return '0' + (r - '０')
		case r == '＋':
			return '+'
		case r == '（':
			return '('
		case r == '）':
			return ')'
		case r == '－' || (r >= '\u2010' && r <= '\u2015') || r == '\u2212':
			return '-'
		case r == '．':
			return '.'
		case r == '\u3000' || r == '\u00a0' || r == '\u202f':
			return ' '
		}
		return r
	}, s)
}
