-- fragment names_something: the pattern a tag value matches when it names something (regexp_like): a
-- character other than whitespace. A value that is empty or only whitespace names nothing, in coverage as in
-- chargeback (cur_analyzer.attribution.is_a_value); the class holds every character Python's str.strip()
-- strips, so both say the same of every value.
'[^\x{09}-\x{0D}\x{1C}-\x{20}\x{85}\x{A0}\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000}]'
