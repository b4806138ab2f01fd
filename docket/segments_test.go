package docket

import (
	"strings"
	"testing"
	"unicode/utf16"
)

func TestSegments(t *testing.T) {
	tests := []struct {
		name, text string
		wantEnc    string
		wantCount  int
	}{
		{"empty", "", GSM7, 0},
		{"one char", "a", GSM7, 1},
		{"160 gsm", strings.Repeat("a", 160), GSM7, 1},
		{"161 gsm", strings.Repeat("a", 161), GSM7, 2},
		{"306 gsm", strings.Repeat("a", 306), GSM7, 2},
		{"307 gsm", strings.Repeat("a", 307), GSM7, 3},
		{"459 gsm", strings.Repeat("a", 459), GSM7, 3},
		{"460 gsm", strings.Repeat("a", 460), GSM7, 4},
		{"spanish letters in GSM-7", "é É ñ Ñ ¿ ¡ ü Ü à è ì ò ù Ç", GSM7, 1},
		{"other GSM-7 letters", "@£$¥ØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÄÖ§äö¤", GSM7, 1},
		{"newline and CR", "a\nb\r", GSM7, 1},
		{"á forces UCS-2", "inmigración", UCS2, 1},
		{"Á", "Á", UCS2, 1},
		{"í", "María", UCS2, 1},
		{"Í", "Í", UCS2, 1},
		{"ú", "Raúl", UCS2, 1},
		{"Ú", "Ú", UCS2, 1},
		{"ç lower", "ç", UCS2, 1},
		{"º", "1º", UCS2, 1},
		{"ª", "1ª", UCS2, 1},
		{"backtick is not GSM", "`", UCS2, 1},
		{"extension costs two: 80 euros fit", strings.Repeat("€", 80), GSM7, 1},
		{"extension costs two: 81 euros do not", strings.Repeat("€", 81), GSM7, 2},
		{"every extension character", "\f^{}\\[~]|€", GSM7, 1},
		{"159 plus one escape overflows", strings.Repeat("a", 159) + "[", GSM7, 2},
		// 152 septets then an escape pair: the pair moves whole to segment two, so 306 septets take three segments.
		{"escape pair moves whole", strings.Repeat("a", 152) + "[" + strings.Repeat("a", 151), GSM7, 2},
		{"escape pair never split", strings.Repeat("a", 152) + "[" + strings.Repeat("a", 152), GSM7, 3},
		{"70 ucs2", strings.Repeat("ó", 70), UCS2, 1},
		{"71 ucs2", strings.Repeat("ó", 71), UCS2, 2},
		{"134 ucs2", strings.Repeat("ó", 134), UCS2, 2},
		{"135 ucs2", strings.Repeat("ó", 135), UCS2, 3},
		{"emoji is two units", strings.Repeat("😀", 35), UCS2, 1},
		{"36 emoji", strings.Repeat("😀", 36), UCS2, 2},
		// 66 units then a surrogate pair: the pair moves whole to segment two.
		{"surrogate pair never split", strings.Repeat("ó", 66) + "😀" + strings.Repeat("ó", 66), UCS2, 3},
		{"142-char spanish reminder", "Recordatorio: tiene audiencia de inmigración el martes 9 de febrero de 2027 a la 1:00 PM en 1100 Commerce St, Dallas. Llame al 1-800-898-7180.", UCS2, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			enc, n := Segments(tt.text)
			if enc != tt.wantEnc || n != tt.wantCount {
				t.Errorf("Segments(%q) = %s, %d; want %s, %d", tt.text, enc, n, tt.wantEnc, tt.wantCount)
			}
		})
	}
}

func TestFirstNonGSM(t *testing.T) {
	tests := []struct {
		text   string
		want   rune
		wantOK bool
	}{
		{"José y Begoña", 0, false},
		{"José y María", 'í', true},
		{"", 0, false},
	}
	for _, tt := range tests {
		got, ok := FirstNonGSM(tt.text)
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("FirstNonGSM(%q) = %q, %v; want %q, %v", tt.text, got, ok, tt.want, tt.wantOK)
		}
	}
}

// The count must agree with the capacity bounds whatever the text: never fewer segments than plain division gives,
// and at most one more per segment for characters that could not be split.
func FuzzSegments(f *testing.F) {
	for _, s := range []string{"", "hola", "inmigración", "€[]{}", "😀a😀", strings.Repeat("x", 161)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		enc, n := Segments(text)
		if text == "" {
			if n != 0 {
				t.Fatalf("empty text: got %d segments", n)
			}
			return
		}
		var size, single, part int
		switch enc {
		case GSM7:
			for _, r := range text {
				c, ok := gsmCost[r]
				if !ok {
					t.Fatalf("GSM-7 claimed for %q with %q", text, r)
				}
				size += c
			}
			single, part = gsmSingle, gsmPart
		case UCS2:
			if _, ok := FirstNonGSM(text); !ok {
				t.Fatalf("UCS-2 chosen for all-GSM text %q", text)
			}
			size = len(utf16.Encode([]rune(text)))
			single, part = ucs2Single, ucs2Part
		default:
			t.Fatalf("unknown encoding %q", enc)
		}
		if size <= single {
			if n != 1 {
				t.Fatalf("%d units: got %d segments, want 1", size, n)
			}
			return
		}
		low := (size + part - 1) / part
		if n < low || n > low+size/part {
			t.Fatalf("%d units: got %d segments, want between %d and %d", size, n, low, low+size/part)
		}
	})
}
