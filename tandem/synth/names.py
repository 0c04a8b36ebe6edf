"""Names, languages and places for synthetic people. Pure: no Django.

Given names and family names are common ones in each community, combined at random, so no
synthetic person is a real one. Streets and towns are invented or generic. Postcodes use the
area letters "YY", which no real UK postcode area uses, in the standard format (e.g. YY3 7HD).
Phone numbers come from Ofcom's ranges reserved for drama (07700 900000-900999 mobile,
01632 960000-960999 landline), email addresses from example.com (RFC 2606).
"""

from __future__ import annotations

_BRITISH_M = (
    "Oliver", "George", "Harry", "Jack", "Noah", "Charlie", "Thomas", "James", "William", "Daniel",
    "David", "John", "Michael", "Paul", "Peter", "Robert", "Richard", "Stephen", "Mark", "Andrew",
    "Christopher", "Matthew", "Alan", "Brian", "Keith", "Colin", "Graham", "Ian", "Kevin", "Gary",
    "Leo", "Arthur", "Freddie", "Alfie", "Samuel", "Joseph", "Ryan", "Liam", "Dennis", "Roy",
)
_BRITISH_F = (
    "Olivia", "Amelia", "Isla", "Ava", "Emily", "Sophie", "Grace", "Lily", "Ella", "Freya",
    "Sarah", "Emma", "Laura", "Rebecca", "Claire", "Helen", "Karen", "Susan", "Julie", "Lisa",
    "Margaret", "Patricia", "Jean", "Joan", "Barbara", "Sheila", "Pauline", "Linda", "Christine", "Janet",
    "Hannah", "Charlotte", "Jessica", "Lucy", "Megan", "Chloe", "Evie", "Ruby", "Doreen", "Maureen",
)
_BRITISH_FAMILY = (
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson", "Wright",
    "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood", "Jackson", "Clarke",
    "Hughes", "Edwards", "Turner", "Hill", "Moore", "Cooper", "Ward", "Harris", "King", "Baker",
    "Lewis", "Harrison", "Morris", "Martin", "Clark", "Lee", "Scott", "Mitchell", "Parker", "Bennett",
    "Holmes", "Shaw", "Lloyd", "Marshall", "Price", "Dixon", "Fletcher", "Barker", "Armstrong", "Stevens",
)
_IRISH_FAMILY = ("Murphy", "Kelly", "O'Brien", "Ryan", "Walsh", "Byrne", "O'Connor", "Doyle", "McCarthy", "Quinn")
_IRISH_M = ("Sean", "Patrick", "Conor", "Declan", "Niall", "Ciaran", "Eoin", "Liam", "Aidan", "Brendan")
_IRISH_F = ("Siobhan", "Aoife", "Niamh", "Ciara", "Roisin", "Orla", "Sinead", "Mary", "Bridget", "Eileen")

_EUROPEAN_M = ("Piotr", "Tomasz", "Krzysztof", "Andrei", "Mihai", "Ion", "Marco", "Luca", "Joao", "Tiago",
               "Jonas", "Tomas", "Matteo", "Pablo", "Javier", "Georgi", "Dimitar", "Pawel", "Marek", "Stefan")
_EUROPEAN_F = ("Anna", "Katarzyna", "Agnieszka", "Maria", "Elena", "Ioana", "Andreea", "Giulia", "Francesca",
               "Ana", "Ines", "Ruta", "Laura", "Lucia", "Marta", "Ewa", "Monika", "Daniela", "Sofia", "Irina")
_EUROPEAN_FAMILY = ("Nowak", "Kowalski", "Wisniewski", "Popescu", "Ionescu", "Rossi", "Russo", "Silva",
                    "Santos", "Ferreira", "Kazlauskas", "Garcia", "Martinez", "Ivanov", "Petrov", "Lewandowski",
                    "Dumitru", "Costa", "Romano", "Novak")

_INDIAN_M = ("Rajesh", "Sanjay", "Amit", "Vijay", "Arjun", "Rohan", "Nikhil", "Harpreet", "Gurpreet", "Jaswinder",
             "Kiran", "Anil", "Suresh", "Dev", "Aarav", "Vivek", "Rahul", "Manoj", "Ravi", "Prakash")
_INDIAN_F = ("Priya", "Anjali", "Sunita", "Kavita", "Neha", "Pooja", "Meera", "Harjit", "Manjit", "Simran",
             "Asha", "Geeta", "Lakshmi", "Divya", "Aisha", "Nisha", "Rekha", "Usha", "Kamala", "Jasvinder")
_INDIAN_FAMILY = ("Patel", "Shah", "Sharma", "Singh", "Kaur", "Gill", "Sandhu", "Mistry", "Desai", "Mehta",
                  "Joshi", "Kumar", "Chauhan", "Parmar", "Bhatt", "Naidu", "Pillai", "Iyer", "Dhillon", "Sidhu")
_PAKISTANI_M = ("Mohammed", "Muhammad", "Imran", "Tariq", "Asif", "Zubair", "Bilal", "Hamza", "Usman", "Adnan",
                "Khalid", "Nadeem", "Shahid", "Waqas", "Zain", "Ali", "Ibrahim", "Yusuf", "Faisal", "Arif")
_PAKISTANI_F = ("Fatima", "Ayesha", "Zainab", "Maryam", "Nazia", "Shazia", "Rubina", "Samina", "Hina", "Sana",
                "Amina", "Khadija", "Noor", "Parveen", "Nasreen", "Sadia", "Iqra", "Bushra", "Farah", "Saima")
_PAKISTANI_FAMILY = ("Khan", "Hussain", "Ahmed", "Ali", "Akhtar", "Iqbal", "Mahmood", "Butt", "Malik", "Raja",
                     "Shah", "Bibi", "Aslam", "Rashid", "Qureshi", "Javed", "Sadiq", "Anwar", "Bashir", "Riaz")
_BANGLADESHI_M = ("Abdul", "Mohammed", "Rahim", "Karim", "Shahid", "Jamal", "Rafiq", "Habib", "Sohel", "Anwar",
                  "Nazrul", "Faruk", "Ruhul", "Mizanur", "Ashraf", "Ayaan", "Rayhan", "Ismail", "Shafiq", "Tanvir")
_BANGLADESHI_F = ("Rahima", "Fatema", "Nasima", "Shirin", "Rokeya", "Salma", "Taslima", "Jahanara", "Rumana",
                  "Shamima", "Nadia", "Sumaiya", "Tahmina", "Farzana", "Halima", "Sultana", "Afia", "Mahmuda",
                  "Rehana", "Jesmin")
_BANGLADESHI_FAMILY = ("Begum", "Miah", "Uddin", "Rahman", "Islam", "Hoque", "Ahmed", "Chowdhury", "Khatun",
                       "Ali", "Hussain", "Alam", "Haque", "Sarkar", "Bibi", "Karim", "Hossain", "Akter")
_CHINESE_M = ("Wei", "Jun", "Hao", "Ming", "Jian", "Kai", "Lei", "Chen", "Tao", "Yong", "Kwok", "Wing")
_CHINESE_F = ("Mei", "Li", "Xiu", "Ying", "Hui", "Lan", "Jing", "Yan", "Fang", "Xin", "Siu", "Man")
_CHINESE_FAMILY = ("Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Wong", "Chan", "Lam", "Cheung",
                   "Ng", "Ho", "Leung", "Lin", "Zhou")
_OTHER_ASIAN_M = ("Nimal", "Suresh", "Kumaran", "Prakash", "Bikash", "Ramesh", "Jose", "Mark", "Minh", "Tuan",
                  "Reza", "Ahmad", "Dinesh", "Rajan", "Kasun")
_OTHER_ASIAN_F = ("Nirmala", "Thanuja", "Sita", "Anita", "Maria", "Joy", "Lan", "Thu", "Parisa", "Shirin",
                  "Kumari", "Dilani", "Gita", "Angelica", "Hoa")
_OTHER_ASIAN_FAMILY = ("Perera", "Fernando", "Silva", "Sivakumar", "Gurung", "Thapa", "Rai", "Santos", "Reyes",
                       "Nguyen", "Tran", "Karimi", "Rahimi", "Kanagaratnam", "Jayasinghe")
_CARIBBEAN_M = ("Marcus", "Delroy", "Winston", "Errol", "Clive", "Leroy", "Andre", "Jerome", "Tyrone", "Nathan",
                "Dwayne", "Trevor", "Lloyd", "Kingsley", "Desmond")
_CARIBBEAN_F = ("Marcia", "Beverley", "Sharon", "Janice", "Yvonne", "Claudette", "Pauline", "Jasmine", "Tanya",
                "Simone", "Hyacinth", "Gloria", "Maxine", "Andrea", "Keisha")
_CARIBBEAN_FAMILY = ("Campbell", "Williams", "Brown", "Thomas", "Francis", "Henry", "Grant", "Reid", "Morgan",
                     "Clarke", "Bailey", "Gordon", "Edwards", "Lewis", "Samuels", "Johnson")
_AFRICAN_M = ("Chinedu", "Emeka", "Oluwaseun", "Tunde", "Kwame", "Kofi", "Yaw", "Abdi", "Mohamed", "Ahmed",
              "Samuel", "Daniel", "Tendai", "Blessing", "Joseph", "Isaac", "Emmanuel", "Dawit", "Yonas", "Musa")
_AFRICAN_F = ("Ngozi", "Chiamaka", "Funmilayo", "Adaeze", "Ama", "Akosua", "Abena", "Hodan", "Amina", "Fadumo",
              "Grace", "Esther", "Ruth", "Faith", "Precious", "Tsion", "Hiwot", "Zainab", "Folake", "Efua")
_AFRICAN_FAMILY = ("Okafor", "Adeyemi", "Okonkwo", "Oyelaran", "Mensah", "Boateng", "Asante", "Owusu", "Mohamed",
                   "Abdi", "Hassan", "Warsame", "Tesfaye", "Bekele", "Moyo", "Ndlovu", "Banda", "Mwangi",
                   "Adebayo", "Eze")
_ARAB_M = ("Ahmed", "Omar", "Khalid", "Youssef", "Karim", "Hassan", "Samir", "Tarek", "Walid", "Fadi")
_ARAB_F = ("Layla", "Nour", "Rania", "Huda", "Mariam", "Salma", "Yasmin", "Dina", "Rana", "Lina")
_ARAB_FAMILY = ("Al-Sayed", "Haddad", "Khoury", "Nasser", "Saleh", "Mansour", "Hamdan", "Aziz", "Farouk", "Ibrahim")
_OTHER_M = ("Mehmet", "Ali", "Reza", "Arash", "Hamid", "Luis", "Carlos", "Kemal", "Dara", "Ahmad")
_OTHER_F = ("Ayse", "Elif", "Zahra", "Leila", "Maryam", "Gabriela", "Camila", "Zeynep", "Shilan", "Parisa")
_OTHER_FAMILY = ("Yilmaz", "Kaya", "Demir", "Hosseini", "Ahmadi", "Mohammadi", "Rodriguez", "Gonzalez", "Aziz",
                 "Rahimi")

# Ethnicity code -> (male given names, female given names, family names)
_BRITISH = (_BRITISH_M, _BRITISH_F, _BRITISH_FAMILY)
NAMES: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "A": _BRITISH,
    "B": (_IRISH_M + _BRITISH_M[:10], _IRISH_F + _BRITISH_F[:10], _IRISH_FAMILY),
    "T": (_IRISH_M + _BRITISH_M[:10], _IRISH_F + _BRITISH_F[:10], _IRISH_FAMILY + _BRITISH_FAMILY[:10]),
    "R": (_EUROPEAN_M, _EUROPEAN_F, _EUROPEAN_FAMILY),
    "C": (_EUROPEAN_M, _EUROPEAN_F, _EUROPEAN_FAMILY),
    "D": (_BRITISH_M + _CARIBBEAN_M, _BRITISH_F + _CARIBBEAN_F, _BRITISH_FAMILY + _CARIBBEAN_FAMILY),
    "E": (_BRITISH_M + _AFRICAN_M, _BRITISH_F + _AFRICAN_F, _BRITISH_FAMILY + _AFRICAN_FAMILY),
    "F": (_BRITISH_M + _INDIAN_M, _BRITISH_F + _INDIAN_F, _BRITISH_FAMILY + _INDIAN_FAMILY),
    "G": (_BRITISH_M + _OTHER_M, _BRITISH_F + _OTHER_F, _BRITISH_FAMILY + _OTHER_FAMILY),
    "H": (_INDIAN_M, _INDIAN_F, _INDIAN_FAMILY),
    "J": (_PAKISTANI_M, _PAKISTANI_F, _PAKISTANI_FAMILY),
    "K": (_BANGLADESHI_M, _BANGLADESHI_F, _BANGLADESHI_FAMILY),
    "L": (_CHINESE_M, _CHINESE_F, _CHINESE_FAMILY),
    "M": (_OTHER_ASIAN_M, _OTHER_ASIAN_F, _OTHER_ASIAN_FAMILY),
    "N": (_CARIBBEAN_M + _BRITISH_M[:10], _CARIBBEAN_F + _BRITISH_F[:10], _CARIBBEAN_FAMILY),
    "P": (_AFRICAN_M, _AFRICAN_F, _AFRICAN_FAMILY),
    "S": (_AFRICAN_M[:10] + _CARIBBEAN_M, _AFRICAN_F[:10] + _CARIBBEAN_F, _AFRICAN_FAMILY[:10] + _CARIBBEAN_FAMILY),
    "W": (_ARAB_M, _ARAB_F, _ARAB_FAMILY),
    "Y": (_OTHER_M, _OTHER_F, _OTHER_FAMILY),
}

# Preferred language other than English, by ethnicity: (probability under 65, at 65+, languages).
# Proportions are approximate: Census 2021 found about 1.5% of usual residents in England could
# not speak English well or at all, concentrated in the groups below and rising with age.
LANGUAGES: dict[str, tuple[float, float, tuple[tuple[str, float], ...]]] = {
    "C": (0.08, 0.12, (("Polish", 35), ("Romanian", 25), ("Portuguese", 10), ("Lithuanian", 10),
                       ("Italian", 8), ("Spanish", 7), ("Bulgarian", 5))),
    "R": (0.30, 0.50, (("Romanian", 60), ("Romany", 25), ("Slovak", 15))),
    "H": (0.04, 0.25, (("Gujarati", 40), ("Punjabi", 35), ("Tamil", 15), ("Hindi", 10))),
    "J": (0.06, 0.40, (("Urdu", 60), ("Punjabi", 40))),
    "K": (0.10, 0.55, (("Bengali (Sylheti)", 100),)),
    "L": (0.08, 0.45, (("Cantonese", 55), ("Mandarin", 45))),
    "M": (0.06, 0.25, (("Tamil", 30), ("Vietnamese", 20), ("Nepali", 20), ("Tagalog", 15), ("Farsi", 15))),
    "P": (0.05, 0.25, (("Somali", 40), ("Arabic", 15), ("Tigrinya", 15), ("Amharic", 10), ("French", 10),
                       ("Portuguese", 10))),
    "W": (0.15, 0.40, (("Arabic", 100),)),
    "Y": (0.10, 0.30, (("Farsi", 25), ("Kurdish", 25), ("Turkish", 25), ("Pashto", 25))),
}

STREETS = (
    "Church", "Station", "Mill", "Park", "Victoria", "Manor", "Queens", "Kings", "Albert", "Green",
    "Grange", "Springfield", "Highfield", "Chapel", "School", "Meadow", "Orchard", "Willow", "Beech", "Oak",
    "Elm", "Ash", "Cedar", "Hawthorn", "Rowan", "Clifton", "Windsor", "Stanley", "York", "Nelson",
    "Brook", "River", "Bridge", "Market", "North", "South", "West", "East", "Water", "Hill",
    "Moor", "Castle", "Abbey", "Priory", "Farm", "Kiln", "Foundry", "Canal", "Railway", "Colliery",
)
STREET_TYPES = ("Road", "Street", "Lane", "Avenue", "Close", "Drive", "Grove", "Way", "Crescent", "Terrace",
                "Place", "Gardens", "Court", "View", "Rise")
FLAT_WORDS = ("Flat", "Apartment")
HOUSE_NAMES = ("Rose Cottage", "The Willows", "Orchard House", "Fernlea", "Hillcrest", "Woodside")

# Invented places: a town and the villages around it.
TOWNS = (
    ("Ashworth", ("Lower Ashworth", "Kelby", "Thornwick")),
    ("Brackenford", ("Millbeck", "Hollins Cross", "Seddington")),
    ("Carrowdale", ("Fellside", "Upper Carrow", "Wraydon")),
    ("Dunmere", ("Eastholme", "Pickerby", "Stanlow Green")),
    ("Elmsbury", ("Nether Elm", "Cotwick", "Harlow Moor")),
    ("Fordham Vale", ("Brindley", "Oakhurst", "Sallow End")),
)
POSTCODE_AREA = "YY"
POSTCODE_UNIT_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"  # letters used in the inward code's last two places
PRACTICE_SUFFIXES = ("Surgery", "Medical Centre", "Medical Practice", "Health Centre", "Family Practice")
PRACTICE_PREFIXES = ("Riverside", "Parkview", "Market Street", "Meadowbank", "Castle", "Station Road",
                     "Northgate", "Woodlands", "The Green", "Abbey")

MOBILE_PREFIX = "07700 900"  # Ofcom drama range: 07700 900000 to 07700 900999
LANDLINE_PREFIX = "01632 960"  # Ofcom drama range: 01632 960000 to 01632 960999
EMAIL_DOMAIN = "example.com"
