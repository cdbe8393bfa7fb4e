-- An environment's description is kept as given, as Mistral keeps it:
-- null (none given) or any text, "" included. Until now "" stood for none.
ALTER TABLE environments ALTER COLUMN description DROP NOT NULL;
UPDATE environments SET description = NULL WHERE description = '';
