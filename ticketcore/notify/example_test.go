package notify_test

import (
	"fmt"
	"io"
	"log"
	"net/http"
	"time"

	"github.com/deskmine/deskmine/ticketcore/notify"
)

// A receiver verifies the raw body before decoding it, answers 2xx quickly,
// and deduplicates on the delivery id: deliveries are at least once.
func ExampleVerify() {
	secret := "whsec_test_secret_0123456789" // as shown when the endpoint was created
	seen := map[string]bool{}                // a real receiver keeps this in its database

	mux := http.NewServeMux() // served with http.ListenAndServe(addr, mux)
	mux.HandleFunc("POST /deskmine", func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			http.Error(w, "read error", http.StatusBadRequest)
			return
		}
		if err := notify.Verify(secret, r.Header.Get(notify.HeaderSignature), body, time.Now(), notify.DefaultTolerance); err != nil {
			http.Error(w, "bad signature", http.StatusUnauthorized) // a 4xx: Deskmine will not retry
			return
		}
		id := r.Header.Get(notify.HeaderDelivery)
		if seen[id] {
			w.WriteHeader(http.StatusOK) // a retry of something already handled
			return
		}
		seen[id] = true
		log.Printf("%s event: %s", r.Header.Get(notify.HeaderEvent), body)
		w.WriteHeader(http.StatusNoContent)
	})

	// The same check on a fixed request:
	body := []byte(`{"kind":"assignment","ticket_id":42}`)
	header := "t=1700000000,v1=3ee166ddf9455a023ebf3f2e369c4cea2badaa4988e403df05e57e2dcbbe1822"
	fmt.Println(notify.Verify(secret, header, body, time.Unix(1700000060, 0), 0))
	fmt.Println(notify.Verify(secret, header, body, time.Unix(1700000000+3600, 0), 0) != nil)
	// Output:
	// <nil>
	// true
}
