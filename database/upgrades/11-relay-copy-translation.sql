-- v10 -> v11: Which engine translated each copy, and through which languages
-- The engine's name (apertium, libretranslate, deepl); "none" when there was
-- nothing to translate, "failed" when the original was relayed instead, ""
-- for copies made before this was kept.
ALTER TABLE relay_copy ADD COLUMN translation TEXT NOT NULL DEFAULT '';
-- The languages passed through, e.g. fr>ca>en; "" when not translated.
ALTER TABLE relay_copy ADD COLUMN route TEXT NOT NULL DEFAULT '';
