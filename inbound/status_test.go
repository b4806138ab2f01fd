package inbound

import "testing"

func TestStatusRank(t *testing.T) {
	order := []string{"queued", "sending", "sent", "delivered"}
	for i := 1; i < len(order); i++ {
		if got, prev := StatusRank(order[i]), StatusRank(order[i-1]); got <= prev {
			t.Errorf("StatusRank(%s) = %d, not above StatusRank(%s) = %d", order[i], got, order[i-1], prev)
		}
	}
	tests := []struct {
		a, b string
		want bool // a outranks b
	}{
		{"undelivered", "sent", true},
		{"failed", "sending", true},
		{"sent", "delivered", false},
		{"delivered", "undelivered", false},
		{"mystery", "queued", false},
		{"QUEUED", "mystery", true},
	}
	for _, tt := range tests {
		if got := StatusRank(tt.a) > StatusRank(tt.b); got != tt.want {
			t.Errorf("StatusRank(%s) > StatusRank(%s) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}
