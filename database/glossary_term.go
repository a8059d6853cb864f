package database

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"go.mau.fi/util/dbutil"
)

const (
	upsertGlossaryTermQuery = `
		INSERT INTO glossary_term (coalition_id, term_key, term, forms, encrypted) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (coalition_id, term_key) DO UPDATE SET term=excluded.term, forms=excluded.forms, encrypted=excluded.encrypted`
	listGlossaryTermsQuery  = `SELECT term, forms, encrypted FROM glossary_term WHERE coalition_id=$1 ORDER BY term_key`
	deleteGlossaryTermQuery = `DELETE FROM glossary_term WHERE coalition_id=$1 AND term_key=$2`
)

// GlossaryTerm is a term a coalition never translates, or translates in a
// fixed way per language.
type GlossaryTerm struct {
	Term  string
	Forms map[string]string
	// Encrypted: the term was written in an end-to-end encrypted event.
	Encrypted bool
}

func newGlossaryTerm(_ *dbutil.QueryHelper[*GlossaryTerm]) *GlossaryTerm { return &GlossaryTerm{} }

func (g *GlossaryTerm) Scan(row dbutil.Scannable) (*GlossaryTerm, error) {
	var forms string
	if err := row.Scan(&g.Term, &forms, &g.Encrypted); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(forms), &g.Forms); err != nil {
		return nil, fmt.Errorf("failed to read glossary forms: %w", err)
	}
	return g, nil
}

type GlossaryTermQuery struct {
	*dbutil.QueryHelper[*GlossaryTerm]
}

func termKey(term string) string { return strings.ToLower(strings.TrimSpace(term)) }

func (q *GlossaryTermQuery) Put(ctx context.Context, coalitionID string, g *GlossaryTerm) error {
	forms, err := json.Marshal(g.Forms)
	if err != nil {
		return fmt.Errorf("failed to encode glossary forms: %w", err)
	}
	if err = q.Exec(ctx, upsertGlossaryTermQuery, coalitionID, termKey(g.Term), g.Term, string(forms), g.Encrypted); err != nil {
		return fmt.Errorf("failed to store glossary term: %w", err)
	}
	return nil
}

func (q *GlossaryTermQuery) List(ctx context.Context, coalitionID string) ([]*GlossaryTerm, error) {
	terms, err := q.QueryMany(ctx, listGlossaryTermsQuery, coalitionID)
	if err != nil {
		return nil, fmt.Errorf("failed to list glossary: %w", err)
	}
	return terms, nil
}

// Delete removes a term and tells whether it existed.
func (q *GlossaryTermQuery) Delete(ctx context.Context, coalitionID, term string) (bool, error) {
	res, err := q.GetDB().Exec(ctx, deleteGlossaryTermQuery, coalitionID, termKey(term))
	if err != nil {
		return false, fmt.Errorf("failed to delete glossary term: %w", err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}
