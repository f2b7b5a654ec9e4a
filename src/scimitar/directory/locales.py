"""Sample data for the generator: names, places and formats of the countries a tenant spans.

Names keep their own script and diacritics; each carries an ASCII form for sign-in names, as an
organisation's account policy would make it. Latin names get theirs by folding (see
:func:`ascii_fold`); names in other scripts list it after a colon (``田中:Tanaka``).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

__all__ = ["DEPARTMENTS", "LOCALES", "Locale", "ascii_fold"]

_SPECIAL_FOLDS = str.maketrans(
    {
        "ß": "ss",
        "Æ": "Ae",
        "æ": "ae",
        "Ø": "O",
        "ø": "o",
        "Ł": "L",
        "ł": "l",
        "\u0131": "i",
        "Đ": "D",
        "đ": "d",
        "Œ": "Oe",
        "œ": "oe",
        "Þ": "Th",
        "þ": "th",
        "'": "",
        "\u2019": "",
    }
)


def ascii_fold(text: str) -> str:
    """``Łukasz Wójcik`` → ``Lukasz Wojcik``: strip diacritics, spell out the rest."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_SPECIAL_FOLDS))
    return "".join(
        char for char in decomposed if char.isascii() and not unicodedata.combining(char)
    )


def _names(text: str) -> tuple[tuple[str, str], ...]:
    pairs = []
    for word in text.split():
        native, _, latin = word.partition(":")
        native = native.replace("_", " ")
        pairs.append((native, latin or ascii_fold(native)))
    return tuple(pairs)


def _cities(text: str) -> tuple[tuple[str, str, str], ...]:
    return tuple(tuple(item.split("|")) for item in text.split(";"))  # type: ignore[misc]


@dataclass(frozen=True, slots=True)
class Locale:
    """Everything the generator needs to make a believable person of one country.

    Attributes:
        language: The ``preferredLanguage`` tag.
        country: The ``country`` value.
        domain: The verified domain sign-in names use.
        phone_prefix: The international dialling prefix.
        given_names: ``(native, ascii)`` pairs.
        surnames: ``(native, ascii)`` pairs.
        cities: ``(city, state, postal code pattern)``; ``#`` is a digit, ``?`` a letter.
        streets: Street names; the number goes after them.
        weight: Relative share of the workforce.
        is_family_first: Whether the display name puts the surname first.
        joiner: What separates the names in the display name.
    """

    language: str
    country: str
    domain: str
    phone_prefix: str
    given_names: tuple[tuple[str, str], ...]
    surnames: tuple[tuple[str, str], ...]
    cities: tuple[tuple[str, str, str], ...]
    streets: tuple[str, ...]
    weight: int
    is_family_first: bool = False
    joiner: str = " "


LOCALES: tuple[Locale, ...] = (
    Locale(
        "en-US",
        "United States",
        "contoso.com",
        "+1",
        _names(
            "James Mary Robert Patricia Michael Jennifer William Linda David Elizabeth "
            "José María DeShawn Aaliyah Chloé Zoë Renée Siobhán Nguyen_Anh Connor Madison"
        ),
        _names(
            "Smith Johnson Williams Brown Jones García Miller Davis Rodríguez Martínez "
            "O'Brien Nguyen Kim Patel Anderson Thomas Jackson White Harris Clark"
        ),
        _cities(
            "Seattle|WA|98###;New York|NY|100##;Austin|TX|787##;Chicago|IL|606##;"
            "San José|CA|951##;Boston|MA|021##;Atlanta|GA|303##"
        ),
        ("Main Street", "Oak Avenue", "Pine Street", "Maple Drive", "Lakeview Boulevard"),
        28,
    ),
    Locale(
        "en-GB",
        "United Kingdom",
        "contoso.co.uk",
        "+44",
        _names("Oliver Amelia Harry Isla George Ava Noah Mia Jack Sophie Niamh Eóin Rhiannon"),
        _names("Taylor Evans Wilson Roberts Walker Wright Thompson Hughes Edwards Green"),
        _cities(
            "London|England|SW1A #??;Manchester|England|M# #??;Edinburgh|Scotland|EH# #??;"
            "Cardiff|Wales|CF## #??"
        ),
        ("High Street", "Station Road", "Church Lane", "Victoria Road"),
        7,
    ),
    Locale(
        "de-DE",
        "Germany",
        "contoso.de",
        "+49",
        _names(
            "Jürgen Günther Jörg Björn Lukas Maximilian Sören Ursula Bärbel Jürgen "
            "Käthe Lea Anna Sophie Hannah Müge Felix Luise"
        ),
        _names(
            "Müller Schröder Schäfer Groß Weiß Köhler Fischer Weber Wagner Becker "
            "Hoffmann Schmitz Krüger Jäger Böhm"
        ),
        _cities(
            "München|Bayern|8####;Berlin|Berlin|1####;Köln|Nordrhein-Westfalen|5####;"
            "Düsseldorf|Nordrhein-Westfalen|40###;Hamburg|Hamburg|2####"
        ),
        ("Hauptstraße", "Schloßallee", "Bahnhofstraße", "Königsweg", "Gartenstraße"),
        10,
    ),
    Locale(
        "fr-FR",
        "France",
        "contoso.fr",
        "+33",
        _names(
            "François Hélène Zoé Léa Chloé Gaël Noël Inès Jérôme Benoît Céline Anaïs "
            "Théo Mathéo Camille"
        ),
        _names(
            "Lefèvre Dubois Durand Moreau Laurent Rousseau Bérenger Lemaître Girard "
            "Fournier Chevalier Garnier Faure"
        ),
        _cities(
            "Paris|Île-de-France|750##;Lyon|Auvergne-Rhône-Alpes|6900#;"
            "Marseille|Provence-Alpes-Côte d'Azur|130##;Toulouse|Occitanie|310##"
        ),
        ("rue de la Paix", "avenue des Champs-Élysées", "boulevard Haussmann", "rue Lafayette"),
        7,
    ),
    Locale(
        "es-ES",
        "Spain",
        "contoso.es",
        "+34",
        _names("José Ramón Inés Begoña Íñigo Nuria Álvaro Lucía Martín Sofía Pilar Jesús"),
        _names("Núñez Peña Muñoz Ibáñez Gómez Fernández López Sánchez Díaz Martín Iglesias"),
        _cities(
            "Madrid|Madrid|280##;Barcelona|Cataluña|080##;Sevilla|Andalucía|410##;"
            "València|Comunitat Valenciana|460##"
        ),
        ("Calle Mayor", "Gran Vía", "Paseo de la Castellana", "Avenida Diagonal"),
        5,
    ),
    Locale(
        "pt-BR",
        "Brazil",
        "contoso.com.br",
        "+55",
        _names("João Conceição Antônio Luíza Gonçalo Estêvão Vitória Ana_Júlia Raí Tânia"),
        _names("Conceição Gonçalves Araújo Magalhães Simões Brandão Souza Lima Ribeiro Assunção"),
        _cities(
            "São Paulo|SP|0####-###;Rio de Janeiro|RJ|2####-###;Belo Horizonte|MG|3####-###;"
            "Florianópolis|SC|88###-###"
        ),
        ("Avenida Paulista", "Rua Augusta", "Rua da Consolação", "Avenida Atlântica"),
        5,
    ),
    Locale(
        "pl-PL",
        "Poland",
        "contoso.pl",
        "+48",
        _names("Łukasz Małgorzata Paweł Zofia Wojciech Agnieszka Grzegorz Bożena Jędrzej Żaneta"),
        _names(
            "Wójcik Kowalczyk Woźniak Kamiński Lewandowski Zieliński Szymański Dąbrowski "
            "Kaźmierczak Nowak"
        ),
        _cities(
            "Warszawa|mazowieckie|0#-###;Kraków|małopolskie|3#-###;Gdańsk|pomorskie|80-###;"
            "Łódź|łódzkie|9#-###"
        ),
        ("ulica Marszałkowska", "ulica Floriańska", "aleja Grunwaldzka", "ulica Piotrkowska"),
        4,
    ),
    Locale(
        "sv-SE",
        "Sweden",
        "contoso.se",
        "+46",
        _names("Åsa Björn Göran Märta Åke Sören Linnéa Maja Elsa Måns Ingrid"),
        _names("Ångström Öberg Sjöberg Åberg Lindqvist Johansson Karlsson Nilsson Ström Bäck"),
        _cities(
            "Stockholm|Stockholms län|1## ##;Göteborg|Västra Götalands län|4## ##;"
            "Malmö|Skåne län|2## ##"
        ),
        ("Drottninggatan", "Kungsgatan", "Storgatan", "Sveavägen"),
        3,
    ),
    Locale(
        "tr-TR",
        "Türkiye",
        "contoso.com.tr",
        "+90",
        _names("Çağla Şükrü Ömer Işıl Gökhan Ayşe Büşra Emre Özlem İbrahim Yiğit"),  # noqa: RUF001 - Turkish dotless i
        _names("Yılmaz Şahin Çelik Öztürk Aydın Doğan Kılıç Arslan Koç Güneş"),  # noqa: RUF001 - Turkish dotless i
        _cities("İstanbul|İstanbul|34###;Ankara|Ankara|06###;İzmir|İzmir|35###"),
        ("İstiklal Caddesi", "Bağdat Caddesi", "Atatürk Bulvarı"),  # noqa: RUF001 - Turkish dotless i
        3,
    ),
    Locale(
        "ja-JP",
        "Japan",
        "contoso.co.jp",
        "+81",
        _names(
            "太郎:Taro 花子:Hanako 翔太:Shota 陽菜:Hina 大輔:Daisuke 美咲:Misaki "
            "健一:Kenichi さくら:Sakura 悠斗:Yuto 結衣:Yui"
        ),
        _names(
            "佐藤:Sato 鈴木:Suzuki 高橋:Takahashi 田中:Tanaka 伊藤:Ito 渡辺:Watanabe "
            "山本:Yamamoto 中村:Nakamura 小林:Kobayashi 加藤:Kato"
        ),
        _cities("東京|東京都|1##-####;大阪|大阪府|5##-####;横浜|神奈川県|2##-####"),
        ("丸の内", "梅田", "みなとみらい"),
        6,
        is_family_first=True,
    ),
    Locale(
        "zh-CN",
        "China",
        "contoso.cn",
        "+86",
        _names("伟:Wei 芳:Fang 娜:Na 敏:Min 静:Jing 磊:Lei 洋:Yang 婷:Ting 杰:Jie 秀英:Xiuying"),
        _names("王:Wang 李:Li 张:Zhang 刘:Liu 陈:Chen 杨:Yang 黄:Huang 赵:Zhao 吴:Wu 周:Zhou"),
        _cities("上海|上海市|200###;北京|北京市|100###;深圳|广东省|518###"),
        ("南京东路", "长安街", "深南大道"),
        6,
        is_family_first=True,
        joiner="",
    ),
    Locale(
        "ru-RU",
        "Russia",
        "contoso.ru",
        "+7",
        _names(
            "Иван:Ivan Ольга:Olga Дмитрий:Dmitry Наталья:Natalya Сергей:Sergey "
            "Екатерина:Ekaterina Алексей:Alexey Юлия:Yulia"
        ),
        _names(
            "Иванов:Ivanov Смирнов:Smirnov Кузнецов:Kuznetsov Попов:Popov Соколов:Sokolov "
            "Лебедев:Lebedev Козлов:Kozlov Новиков:Novikov"
        ),
        _cities(
            "Москва|Москва|1#####;Санкт-Петербург|Санкт-Петербург|19####;"
            "Новосибирск|Новосибирская область|630###"
        ),
        ("Тверская улица", "Невский проспект", "улица Ленина"),
        3,
    ),
    Locale(
        "el-GR",
        "Greece",
        "contoso.gr",
        "+30",
        _names(
            "Γιώργος:Giorgos Μαρία:Maria Νίκος:Nikos Ελένη:Eleni Δημήτρης:Dimitris "
            "Κατερίνα:Katerina"
        ),
        _names(
            "Παπαδόπουλος:Papadopoulos Βλάχος:Vlachos Οικονόμου:Oikonomou "
            "Γεωργίου:Georgiou Νικολάου:Nikolaou"
        ),
        _cities("Αθήνα|Αττική|1## ##;Θεσσαλονίκη|Κεντρική Μακεδονία|5## ##"),
        ("Οδός Ερμού", "Λεωφόρος Συγγρού"),
        2,
    ),
    Locale(
        "ar-AE",
        "United Arab Emirates",
        "contoso.ae",
        "+971",
        _names("محمد:Mohammed فاطمة:Fatima أحمد:Ahmed مريم:Maryam علي:Ali نورة:Noura"),
        _names("الهاشمي:AlHashimi المنصوري:AlMansouri الشامسي:AlShamsi النعيمي:AlNuaimi"),
        _cities("دبي|دبي|#####;أبوظبي|أبوظبي|#####"),
        ("شارع الشيخ زايد", "شارع الوصل"),
        2,
    ),
    Locale(
        "hi-IN",
        "India",
        "contoso.in",
        "+91",
        _names("Priya Rahul Ananya Arjun Saanvi Vihaan Aditi Rohan प्रिया:Priya राहुल:Rahul"),
        _names("Sharma Verma Iyer Reddy Gupta Nair Patel Mukherjee शर्मा:Sharma"),
        _cities(
            "Bengaluru|Karnataka|560###;Hyderabad|Telangana|500###;Pune|Maharashtra|411###;"
            "Chennai|Tamil Nadu|600###"
        ),
        ("MG Road", "Brigade Road", "Residency Road"),
        5,
    ),
    Locale(
        "vi-VN",
        "Vietnam",
        "contoso.vn",
        "+84",
        _names("Minh Hương Đức Thảo Quỳnh Tuấn Phương Hải"),
        _names("Nguyễn Trần Lê Phạm Hoàng Huỳnh Võ Đặng"),
        _cities("Hà Nội|Hà Nội|1#####;Thành phố Hồ Chí Minh|Hồ Chí Minh|7#####"),
        ("Đường Lê Lợi", "Phố Tràng Tiền"),
        2,
        is_family_first=True,
    ),
)

DEPARTMENTS: dict[str, tuple[str, ...]] = {
    "Engineering": (
        "Software Engineer",
        "Senior Software Engineer",
        "Staff Engineer",
        "Site Reliability Engineer",
        "QA Engineer",
    ),
    "Sales": ("Account Executive", "Sales Development Representative", "Sales Engineer"),
    "Marketing": ("Marketing Specialist", "Content Strategist", "Product Marketing Manager"),
    "Finance": ("Accountant", "Financial Analyst", "Payroll Specialist"),
    "Human Resources": ("HR Business Partner", "Recruiter", "HR Generalist"),
    "Legal": ("Corporate Counsel", "Paralegal", "Compliance Analyst"),
    "Operations": ("Operations Analyst", "Facilities Coordinator", "Logistics Planner"),
    "Customer Support": ("Support Engineer", "Customer Success Manager", "Support Agent"),
    "Information Technology": (
        "Systems Administrator",
        "Service Desk Analyst",
        "Identity Engineer",
    ),
    "Research": ("Research Scientist", "Data Scientist", "Lab Technician"),
    "Product": ("Product Manager", "UX Designer", "Technical Writer"),
}
