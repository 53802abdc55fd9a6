"""Words for generated Danish-looking titles and authors, and the DK5 groups non-fiction is shelved under.

Made up for the demo: no generated title or author names a real book or person on purpose.
"""

FIRST_NAMES = (
    "Anne", "Mette", "Hanne", "Susanne", "Kirsten", "Lene", "Camilla", "Maria", "Ida", "Freja", "Karen", "Signe",
    "Sofie", "Louise", "Julie", "Emma", "Astrid", "Birgit", "Dorthe", "Helle", "Peter", "Jens", "Lars", "Søren",
    "Niels", "Henrik", "Thomas", "Morten", "Mikkel", "Rasmus", "Jesper", "Anders", "Christian", "Jakob", "Martin",
    "Kasper", "Frederik", "Mads", "Ole", "Poul", "Bo", "Naja", "Yasmin", "Ali", "Omar", "Leila", "Tobias", "Malthe",
)
SURNAMES = (
    "Jensen", "Nielsen", "Hansen", "Pedersen", "Andersen", "Christensen", "Larsen", "Sørensen", "Rasmussen",
    "Jørgensen", "Petersen", "Madsen", "Kristensen", "Olsen", "Thomsen", "Christiansen", "Poulsen", "Johansen",
    "Møller", "Mortensen", "Knudsen", "Jakobsen", "Mikkelsen", "Frederiksen", "Lund", "Holm", "Schmidt",
    "Eriksen", "Bach", "Kjær", "Dahl", "Skov", "Lauritsen", "Winther", "Vestergaard", "Bech", "Brandt", "Gade",
    "Krogh", "Juhl", "Thorup", "Ravn", "Bruun", "Friis", "Nygaard", "Bisgaard", "Kofoed", "Øster", "Aagaard",
)
ADJECTIVES = (
    "lange", "sidste", "første", "stille", "mørke", "lyse", "glemte", "røde", "blå", "kolde", "varme", "hemmelige",
    "tabte", "nye", "gamle", "vilde", "tomme", "fjerne", "usynlige", "store", "lille", "sorte", "hvide", "grønne",
)
NOUNS = (
    "sommer", "vinter", "nat", "by", "ø", "hav", "skov", "have", "søster", "bror", "datter", "søn", "mor", "far",
    "hjem", "rejse", "stemme", "hemmelighed", "sandhed", "løgn", "vej", "bro", "kyst", "fjord", "himmel", "hus",
    "vindue", "dør", "time", "dag", "stjerne", "storm", "sne", "ild", "lys", "skygge", "drøm", "kærlighed", "sorg",
)
PLACES = (
    "Nørrebro", "Vesterbro", "Amager", "Valby", "Christianshavn", "Skagen", "Bornholm", "Fanø", "Møn", "Aarhus",
    "Odense", "Aalborg", "Ribe", "Thy", "Lolland", "Roskilde", "Helsingør", "Berlin", "Paris", "Stockholm",
)
CHILD_NOUNS = (
    "dragen", "bamsen", "hesten", "ræven", "robotten", "prinsessen", "piraten", "heksen", "spøgelset", "hunden",
    "katten", "monsteret", "dinosauren", "troldene", "agenten", "detektiven", "superhelten", "ridderen", "ugle",
)
CHILD_VERBS = (
    "redder dagen", "på eventyr", "flytter ind", "går i skole", "tager til stranden", "finder en skat",
    "bliver væk", "holder fødselsdag", "lærer at flyve", "og den magiske nøgle", "i junglen", "på månen",
)
SERIES_WORDS = ("bind", "del", "bog")

# DK5 groups (the Danish decimal classification) with the subjects the demo gives them.
DK5 = (
    ("13.1", "filosofi;livsfilosofi"),
    ("15.2", "psykologi;selvhjælp"),
    ("30.16", "samfund;sociologi"),
    ("32.1", "politik;demokrati"),
    ("33.1", "økonomi;privatøkonomi"),
    ("37.1", "pædagogik;skole"),
    ("40.4", "geografi;europa"),
    ("46.4", "rejser;rejseguider"),
    ("50.1", "natur;naturvidenskab"),
    ("55.7", "klima;miljø"),
    ("56.1", "dyr;natur"),
    ("61.3", "sundhed;kost"),
    ("61.6", "sundhed;medicin"),
    ("64.1", "mad;madlavning"),
    ("64.4", "have;havebrug"),
    ("68.4", "håndarbejde;strik"),
    ("69.1", "bolig;indretning"),
    ("71.6", "arkitektur;design"),
    ("77.7", "film;medier"),
    ("78.9", "musik;rock"),
    ("79.41", "sport;fodbold"),
    ("79.6", "sport;motion"),
    ("81.6", "litteratur;litteraturhistorie"),
    ("91.1", "historie;verdenshistorie"),
    ("96.7", "historie;danmarkshistorie"),
    ("99.4", "biografier;erindringer"),
)
CHILD_DK5 = (
    ("56.1", "dyr;natur"),
    ("50.1", "natur;naturvidenskab"),
    ("79.41", "sport;fodbold"),
    ("91.1", "historie;vikinger"),
    ("60", "teknik;opfindelser"),
    ("52.1", "rummet;astronomi"),
)
NONFICTION_WORDS = {
    "filosofi": "Tanker om", "psykologi": "Sådan bliver du", "samfund": "Det nye", "politik": "Magten i",
    "økonomi": "Penge og", "pædagogik": "Børn og", "geografi": "Rundt om", "rejser": "Rejseguide:",
    "natur": "Naturens", "klima": "Klimaet og", "dyr": "Dyrene i", "sundhed": "Sund med", "mad": "Mad fra",
    "have": "Haven hele året:", "håndarbejde": "Strik til", "bolig": "Hjemmet:", "arkitektur": "Huse i",
    "film": "Filmen om", "musik": "Musikken fra", "sport": "Sporten i", "litteratur": "Forfattere fra",
    "historie": "Historien om", "biografier": "Mit liv med", "teknik": "Sådan virker", "rummet": "Rejsen til",
}
