package textan

import (
	"strings"
	"testing"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/registry"
)

func gseTok(t *testing.T) analysis.Tokenizer {
	t.Helper()
	tok, err := registry.NewCache().TokenizerNamed(TokenizerGse)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestGseTokenizerOffsetsAndPositions(t *testing.T) {
	in := []byte("打印机卡纸了，VPN连接超时；中华人民共和国 error 809")
	stream := gseTok(t).Tokenize(in)
	if len(stream) == 0 {
		t.Fatal("no tokens")
	}
	var terms []string
	for i, tok := range stream {
		if got := string(in[tok.Start:tok.End]); got != string(tok.Term) {
			t.Errorf("token %d term %q but input[%d:%d] = %q", i, tok.Term, tok.Start, tok.End, got)
		}
		if tok.Position != i+1 {
			t.Errorf("token %d %q has position %d, want %d", i, tok.Term, tok.Position, i+1)
		}
		terms = append(terms, string(tok.Term))
	}
	joined := " " + strings.Join(terms, " ") + " "
	for _, want := range []string{" 打印机 ", " 卡纸 ", " VPN ", " 连接 ", " 超时 ", " 人民 ", " 中华人民共和国 ", " error ", " 809 "} {
		if !strings.Contains(joined, want) {
			t.Errorf("tokens %q lack %q", terms, strings.TrimSpace(want))
		}
	}
	for _, p := range []string{"，", "；", " "} {
		if strings.Contains(joined, " "+p+" ") {
			t.Errorf("tokens %q keep punctuation %q", terms, p)
		}
	}
}

func TestGseTokenizerCoversEveryHanCharacter(t *testing.T) {
	// Unknown names and rare characters go through the HMM or fall back to
	// single characters; either way no character may be lost, or a search
	// for it could never find the ticket.
	in := []byte("张三丰在龘靐齉爩办理了退款")
	covered := make([]bool, len(in))
	for _, tok := range gseTok(t).Tokenize(in) {
		for i := tok.Start; i < tok.End; i++ {
			covered[i] = true
		}
	}
	for i, c := range covered {
		if !c {
			t.Fatalf("byte %d of %q not covered by any token", i, in)
		}
	}
}

func TestGseTokenizerSplitsNonAdjacentRuns(t *testing.T) {
	// Two Han runs separated by a space must not be cut as one string: the
	// space would vanish and a word could straddle it.
	in := []byte("密码 重置")
	for _, tok := range gseTok(t).Tokenize(in) {
		if strings.Contains(string(tok.Term), " ") || tok.End-tok.Start > len("密码") {
			t.Errorf("token %q spans the gap", tok.Term)
		}
	}
}
