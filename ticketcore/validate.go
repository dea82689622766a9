package ticketcore

import (
	"fmt"
	"net/mail"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"
)

// Limits on free text, so one bad client cannot fill the store.
const (
	maxSubject     = 250
	maxDescription = 65536
	maxShortText   = 200
	maxResolution  = 65536
	maxTags        = 30
	maxTagLength   = 50
)

var (
	phoneRE = regexp.MustCompile(`^\+?[0-9][0-9 ()\-.]{3,24}$`)
	tagRE   = regexp.MustCompile(`^[\p{L}\p{N}][\p{L}\p{N}_\-:./]*$`)
)

// NormalizePhone keeps a leading + and the digits, so that "+86 138-0013-8000"
// and "+8613800138000" identify the same customer.
func NormalizePhone(p string) string {
	var b strings.Builder
	for i, r := range p {
		if (r == '+' && i == 0) || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func checkText(fe fieldErrors, field, v string, max int, required bool) {
	if required && strings.TrimSpace(v) == "" {
		fe.add(field, "is required")
		return
	}
	if !utf8.ValidString(v) {
		fe.add(field, "is not valid UTF-8")
		return
	}
	if utf8.RuneCountInString(v) > max {
		fe.add(field, fmt.Sprintf("is longer than %d characters", max))
	}
}

func checkOneOf(fe fieldErrors, field, v string, allowed []string) {
	if v != "" && !slices.Contains(allowed, v) {
		fe.add(field, "must be one of "+strings.Join(allowed, ", "))
	}
}

// normalizeCustomer trims and canonicalises identities and checks attributes.
func (s *Service) normalizeCustomer(c *CustomerInput, fe fieldErrors) {
	c.Email = strings.ToLower(strings.TrimSpace(c.Email))
	if c.Email != "" {
		a, err := mail.ParseAddress(c.Email)
		if err != nil || a.Address != c.Email {
			fe.add("customer.email", "is not a valid email address")
		}
	}
	c.Phone = strings.TrimSpace(c.Phone)
	if c.Phone != "" {
		if !phoneRE.MatchString(c.Phone) {
			fe.add("customer.phone", "is not a valid phone number")
		}
		c.Phone = NormalizePhone(c.Phone)
	}
	c.ExternalID = strings.TrimSpace(c.ExternalID)
	checkText(fe, "customer.external_id", c.ExternalID, maxShortText, false)
	checkText(fe, "customer.name", c.Name, maxShortText, false)
	checkText(fe, "customer.region", c.Region, maxShortText, false)
	checkText(fe, "customer.organisation", c.Organisation, maxShortText, false)
	checkOneOf(fe, "customer.tier", c.Tier, s.opts.CustomerTiers)
}

func normalizeTags(tags []string, fe fieldErrors) []string {
	out := make([]string, 0, len(tags))
	for _, t := range tags {
		t = strings.ToLower(strings.TrimSpace(t))
		if t == "" {
			continue
		}
		if utf8.RuneCountInString(t) > maxTagLength || !tagRE.MatchString(t) {
			fe.add("tags", fmt.Sprintf("tag %q must be letters, digits and _-:./, at most %d characters", t, maxTagLength))
			continue
		}
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	if len(out) > maxTags {
		fe.add("tags", fmt.Sprintf("at most %d tags", maxTags))
	}
	slices.Sort(out)
	return out
}

// checkTicket validates the built-in fields of a complete ticket.
func (s *Service) checkTicket(t *Ticket, fe fieldErrors) {
	checkText(fe, "subject", t.Subject, maxSubject, true)
	checkText(fe, "description", t.Description, maxDescription, false)
	checkText(fe, "external_id", t.ExternalID, maxShortText, false)
	checkText(fe, "category", t.Category, maxShortText, false)
	checkText(fe, "product", t.Product, maxShortText, false)
	checkText(fe, "order_ref", t.OrderRef, maxShortText, false)
	checkText(fe, "assignee", t.Assignee, maxShortText, false)
	checkText(fe, "team", t.Team, maxShortText, false)
	checkText(fe, "region", t.Region, maxShortText, false)
	checkText(fe, "resolution", t.Resolution, maxResolution, false)
	checkText(fe, "sla_policy", t.SLAPolicy, maxShortText, false)
	if t.Type == "" {
		fe.add("type", "is required")
	}
	checkOneOf(fe, "type", t.Type, s.opts.TicketTypes)
	if t.Channel == "" {
		fe.add("channel", "is required")
	}
	checkOneOf(fe, "channel", t.Channel, Channels)
	checkOneOf(fe, "urgency", t.Urgency, Urgencies)
	checkOneOf(fe, "priority", t.Priority, Priorities)
}

// priorityFor derives a priority from urgency when none is given.
func priorityFor(urgency string) string {
	switch urgency {
	case "critical":
		return "P1"
	case "high":
		return "P2"
	case "low":
		return "P4"
	default:
		return "P3"
	}
}
