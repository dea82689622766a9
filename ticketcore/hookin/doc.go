// Package hookin verifies and parses the webhooks that chat widgets,
// social-media bridges, phone systems and IVRs POST to Deskmine. Each
// accepted message becomes a new ticket or a reply on the ticket of its
// conversation; turning an Inbound into one is the ticket service's job, not
// this package's.
//
// A request is handled in this order, and nothing is stored unless all pass:
//
//  1. Verifier.ReadBody reads at most MaxBody bytes of the request body.
//  2. Verifier.Verify checks the signature and its timestamp against the
//     source's secrets. It never looks inside the body.
//  3. Parse decodes the body strictly into an Inbound.
//  4. The store records (source, event_id) through Seen and the message in
//     one transaction; an event_id it has seen before is a duplicate,
//     answered 2xx and not stored again.
//
// Verifier.VerifyParse does steps 2 and 3 in that order. HTTPStatus maps
// every error of this package to the status to answer.
//
// # Signing
//
// Each source has one or more secrets (more than one while a secret is being
// rotated). The provider sends two headers:
//
//	X-Deskmine-Timestamp: <unix seconds, decimal>
//	X-Deskmine-Signature: sha256=<lowercase hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>
//
// The signature header may list several signatures separated by commas,
// "sha256=<hex>, sha256=<hex>"; the request is genuine when any of them
// matches any active secret of the source. Elements of other schemes
// ("sha512=...") are ignored so that providers can add them later. A
// timestamp more than Verifier.Tolerance away from the server's clock, in
// either direction, is refused, so a captured request cannot be replayed
// later; within the window, replays are caught by event_id. Sign computes
// the signature.
//
// # Payload
//
// The body is one UTF-8 JSON object. Field names are exact (case matters),
// unknown fields and repeated fields are refused, and null counts as absent.
// The channel is the source's, not the payload's. Common fields:
//
//	{
//	  "event_id":        "msg-8f14e45f",         // required: the provider's id of this message; a repeat is a duplicate
//	  "conversation_id": "conv-2024-0001",       // required: messages with the same id go to one ticket
//	  "occurred_at":     "2024-05-01T09:30:00+08:00", // required: RFC 3339 with offset, year 2000 or later
//	  "customer": {                              // required, with at least one of external_id, email, phone
//	    "external_id": "wx-openid-123",          // the customer's id at the provider
//	    "email":       "li.lei@example.com",
//	    "phone":       "+86 138-0013-8000",      // normalised to E.164 where possible: +8613800138000
//	    "name":        "李雷"
//	  },
//	  "text":     "我的订单还没到 📦",             // the message; see the channels for when it is required
//	  "subject":  "Order not delivered",         // optional: derived from text when empty
//	  "priority": "P2",                          // optional hint: P1, P2, P3 or P4
//	  "attachments": [                           // optional, at most 20
//	    {"url": "https://cdn.example.com/a/photo.jpg", "filename": "photo.jpg",
//	     "content_type": "image/jpeg", "size": 48213}
//	  ]
//	}
//
// Per channel:
//
//   - chat: text or at least one attachment is required; call is refused.
//   - social: as chat, and customer.external_id (the customer's account on
//     the network) is required.
//   - phone: call is required, with call.direction; text is optional (an
//     agent's note or a summary).
//   - ivr: call is required, with a non-empty call.ivr_path; call.direction
//     defaults to "inbound"; text is optional. Tickets from an IVR have the
//     ticket channel "phone" (Inbound.TicketChannel).
//
// The call object:
//
//	"call": {
//	  "direction":     "inbound",                // inbound or outbound
//	  "duration_sec":  184,                      // 0 to 86400
//	  "recording_url": "https://pbx.example.com/rec/7781.mp3",
//	  "ivr_path":      ["2", "售后服务", "urgent"], // menu choices in order, at most 32
//	  "transcript":    "…"
//	}
//
// Limits: text and transcript 65536 characters, subject 250, ids and names
// 200, filenames 255, URLs 2048 bytes. Text is trimmed and loses control
// characters other than newline and tab; one-line fields also lose
// newlines. URLs must be https, without user information, and must not name
// localhost or a private, loopback or link-local address; whoever fetches
// them must still check the address the name resolves to.
//
// A refused field is reported as a *FieldError whose Field is the JSON path,
// e.g. "customer.phone" or "attachments[1].url".
package hookin
