package hookin

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestSourceValidate(t *testing.T) {
	good := Source{Name: "wechat-bridge.cn_1", Channel: ChannelSocial, Secrets: [][]byte{testSecret, oldSecret}, CallingCode: "86"}
	if err := good.Validate(); err != nil {
		t.Fatalf("Validate(good) = %v", err)
	}
	bad := map[string]func(s *Source){
		"no name":           func(s *Source) { s.Name = "" },
		"upper-case name":   func(s *Source) { s.Name = "WeChat" },
		"name with a slash": func(s *Source) { s.Name = "a/b" },
		"name starting -":   func(s *Source) { s.Name = "-a" },
		"long name":         func(s *Source) { s.Name = strings.Repeat("a", 65) },
		"bad channel":       func(s *Source) { s.Channel = "sms" },
		"no secret":         func(s *Source) { s.Secrets = nil },
		"short secret":      func(s *Source) { s.Secrets = [][]byte{testSecret, []byte("short")} },
		"empty secret":      func(s *Source) { s.Secrets = [][]byte{{}} },
		"too many secrets": func(s *Source) {
			for range maxSecrets {
				s.Secrets = append(s.Secrets, testSecret)
			}
		},
		"bad calling code": func(s *Source) { s.CallingCode = "8600" },
	}
	for name, change := range bad {
		s := good
		s.Secrets = append([][]byte{}, good.Secrets...)
		change(&s)
		if err := s.Validate(); !errors.Is(err, ErrInvalidSource) {
			t.Errorf("%s: Validate = %v, want ErrInvalidSource", name, err)
		}
	}
}

func TestHTTPStatus(t *testing.T) {
	tests := []struct {
		err  error
		want int
	}{
		{nil, 200},
		{fmt.Errorf("wrapped: %w", ErrSignatureMismatch), 401},
		{ErrMissingHeader, 401},
		{ErrMalformedHeader, 401},
		{ErrTimestampOutOfRange, 401},
		{ErrNoSecret, 401},
		{ErrBodyTooLarge, 413},
		{ErrMalformedJSON, 400},
		{&FieldError{"text", "is required"}, 422},
		{fmt.Errorf("parse: %w", &FieldError{"text", "is required"}), 422},
		{ErrInvalidSource, 500},
		{errors.New("disk full"), 500},
	}
	for _, tt := range tests {
		if got := HTTPStatus(tt.err); got != tt.want {
			t.Errorf("HTTPStatus(%v) = %d, want %d", tt.err, got, tt.want)
		}
	}
}
