from __future__ import annotations

from cts.domain.screening.normalise import normalise, phonetic_key


def test_legal_forms_are_moved_out_and_canonicalised() -> None:
    short = normalise("ACME TRADING CO., LTD")
    long = normalise("Acme Trading Company Limited")
    assert short.tokens == long.tokens == ("acme", "trading")
    assert short.legal_forms == long.legal_forms == ("co", "ltd")


def test_dotted_slashed_and_jurisdiction_legal_forms_are_recognised() -> None:
    assert normalise("GLOBAL CLEANERS S.A.R.L.").legal_forms == ("sarl",)
    assert normalise("Nordic Shipping A/S").legal_forms == ("as",)
    assert normalise("Grupo Norte S.A. de C.V.").tokens == ("grupo", "norte")
    assert normalise("Foo Bar (HK) Co., Limited").legal_forms == ("hk", "co", "ltd")
    assert normalise("Müller GmbH & Co. KG").tokens == ("muller",)


def test_a_legal_form_word_that_is_the_whole_name_or_inside_it_is_kept() -> None:
    assert normalise("AB").tokens == ("ab",)
    assert normalise("BANCO DE CUBA").tokens == ("banco", "de", "cuba")
    assert normalise("Acme Trading").legal_forms == ()


def test_trading_is_meaningful_and_not_a_legal_form() -> None:
    assert "trading" in normalise("Acme Trading LLC").tokens


def test_abbreviations_and_ampersand_are_expanded() -> None:
    name = normalise("INT'L MFG & SVCS INC")
    assert name.tokens == ("international", "manufacturing", "and", "services")
    assert name.legal_forms == ("inc",)


def test_accents_and_case_are_folded() -> None:
    assert normalise("Société Générale Élan").tokens == ("societe", "generale", "elan")
    assert normalise("\uff21\uff23\uff2d\uff25")  # full-width.tokens == ("acme",)


def test_cyrillic_is_romanised() -> None:
    assert normalise("Пётр Щукин").tokens == ("petr", "shchukin")


def test_greek_is_romanised() -> None:
    assert normalise("Ελληνική Ναυτιλία").tokens[0] == "elliniki"


def test_arabic_is_romanised_with_the_article_split_off() -> None:
    assert normalise("محمد الرشيد").tokens == ("mhmd", "al", "rshid")
    assert normalise("أسامة بن لادن").tokens == ("asama", "bn", "ladn")
    assert normalise("علي").tokens == ("ali",)


def test_chinese_is_romanised_one_syllable_per_token_and_its_legal_form_moved_out() -> None:
    name = normalise("北京贸易有限公司")
    assert name.tokens == ("bei", "jing", "mao", "yi")
    assert name.legal_forms == ("ltd",)


def test_the_key_does_not_depend_on_word_order() -> None:
    assert normalise("BIN LADEN, Osama").key == normalise("Osama bin Laden").key


def test_spelling_variants_share_a_phonetic_key() -> None:
    assert phonetic_key("mohammed") == phonetic_key("muhammad") == phonetic_key("mhmd")
    assert phonetic_key("rashid") == phonetic_key("rasheed")
    assert phonetic_key("osama") == phonetic_key("usama")
    assert phonetic_key("smith") != phonetic_key("jones")
