package hookin_test

import (
	"bytes"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/deskmine/deskmine/ticketcore/hookin"
)

// A provider signs a request; Deskmine verifies and parses it.
func Example() {
	secret := []byte("whsec_deskmine_test_secret_01")
	src := hookin.Source{Name: "acme-chat", Channel: hookin.ChannelChat, Secrets: [][]byte{secret}, CallingCode: "86"}
	body := []byte(`{"event_id":"e1","conversation_id":"c1","occurred_at":"2024-05-01T01:30:00Z","customer":{"external_id":"u1"},"text":"你好 👋"}`)

	// The provider's side.
	sentAt := time.Unix(1714527000, 0)
	req, _ := http.NewRequest(http.MethodPost, "https://desk.example.com/api/v1/intake/acme-chat", bytes.NewReader(body))
	req.Header.Set(hookin.HeaderTimestamp, strconv.FormatInt(sentAt.Unix(), 10))
	req.Header.Set(hookin.HeaderSignature, hookin.Sign(secret, sentAt, body))
	fmt.Println(req.Header.Get(hookin.HeaderSignature))

	// Deskmine's side, a few seconds later.
	v := hookin.Verifier{Now: func() time.Time { return sentAt.Add(3 * time.Second) }}
	got, err := v.ReadBody(req.Body)
	if err == nil {
		err = v.Verify(src, req.Header, got)
	}
	if err != nil {
		fmt.Println(hookin.HTTPStatus(err), err)
		return
	}
	in, err := hookin.Parse(src, got)
	if err != nil {
		fmt.Println(hookin.HTTPStatus(err), err)
		return
	}
	fmt.Println(in.Source, in.Channel, in.EventID, in.Conversation, in.Customer.ExternalID, in.Text, in.At)

	// The same request half an hour later.
	v.Now = func() time.Time { return sentAt.Add(30 * time.Minute) }
	err = v.Verify(src, req.Header, got)
	fmt.Println(hookin.HTTPStatus(err), err)
	// Output:
	// sha256=6842cf89614c9389d195e09ecca84764bfa600536871eaa76810eea592d77d89
	// acme-chat chat e1 c1 u1 你好 👋 2024-05-01 01:30:00 +0000 UTC
	// 401 signature timestamp outside tolerance: signed at 1714527000, 30m0s from the server's clock, tolerance 5m0s
}

func ExampleNormalizePhone() {
	for _, p := range []string{"+86 138-0013-8000", "0086 138 0013 8000", "138 0013 8000", "010-6552 9988", "+44 (0)20 7946 0958"} {
		n, _ := hookin.NormalizePhone(p, "86")
		fmt.Println(n)
	}
	n, _ := hookin.NormalizePhone("138 0013 8000", "")
	fmt.Println(n)
	// Output:
	// +8613800138000
	// +8613800138000
	// +8613800138000
	// +861065529988
	// +442079460958
	// 13800138000
}
