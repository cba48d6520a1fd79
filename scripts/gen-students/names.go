package main

import (
	"math/rand/v2"
	"strings"
)

// origin is a pool of given names and family names that go together. Every
// list is ordered from the most to the least common.
type origin struct {
	name   string
	weight float64 // share of the students drawn from this pool
	female []string
	male   []string
	last   []string
	// listShare is the share of family names taken from last; the others come
	// from synth, which builds rarer names (the long tail of real surnames).
	listShare float64
	synth     func(r *rand.Rand) string
	// given, when set, builds the given name from the list's pick (e.g. the
	// Vietnamese middle names "Thị", "Văn").
	given func(r *rand.Rand, picked string, female bool) string
	// feminine, when set, gives the feminine form of a family name.
	feminine func(last string) string
	// double is the share of family names made of two names of the list
	// (Iberian paternal and maternal names: "Ferreira Gomes").
	double float64
	// frenchGiven is the share of students of this pool with a French given name.
	frenchGiven float64
}

var origins = []origin{
	{
		name:   "france",
		weight: 0.76,
		female: []string{
			"Léa", "Emma", "Chloé", "Manon", "Camille", "Inès", "Sarah", "Jade", "Clara", "Lola",
			"Océane", "Marie", "Zoé", "Julie", "Louise", "Anaïs", "Pauline", "Lisa", "Juliette", "Maëlys",
			"Lucie", "Eva", "Mathilde", "Laura", "Marine", "Justine", "Noémie", "Margaux", "Élisa", "Charlotte",
			"Morgane", "Émilie", "Alice", "Élise", "Ambre", "Romane", "Coralie", "Ilona", "Mélissa", "Héloïse",
			"Clémence", "Agathe", "Capucine", "Apolline", "Salomé", "Nina", "Cécile", "Bérénice", "Solène", "Maïwenn",
			"Aude", "Anaëlle", "Zoë", "Hélène", "Éléonore", "Mégane", "Adèle", "Agnès", "Aline", "Amandine",
			"Angèle", "Annabelle", "Aurore", "Bertille", "Blanche", "Céleste", "Célia", "Charlène", "Daphné", "Delphine",
			"Diane", "Émeline", "Enora", "Estelle", "Eugénie", "Fanny", "Flavie", "Flore", "Hortense", "Irène",
			"Isaure", "Jeanne", "Laetitia", "Léonie", "Lilou", "Lou", "Louane", "Ludivine", "Madeleine", "Marthe",
			"Mila", "Nolwenn", "Odile", "Pénélope", "Perrine", "Philippine", "Prune", "Quitterie", "Rose", "Séraphine",
			"Sixtine", "Soline", "Suzanne", "Tiphaine", "Victoire", "Violette", "Yaëlle", "Axelle", "Candice", "Maëlle",
			"Gaëlle", "Lorène", "Elsa", "Lily", "Emy", "Anna", "Louna", "Nora", "Alicia", "Amélie",
			"Clarisse", "Julia", "Léana", "Lise", "Maëva", "Marion", "Mélanie", "Ophélie", "Sophie", "Anne-Sophie",
			"Marie-Lou", "Marie Claire", "Anne-Laure", "Marie-Ange", "Gwladys", "Adélaïde", "Albane", "Alix", "Anouk", "Ariane",
			"Armelle", "Bénédicte", "Brune", "Camélia", "Cassandre", "Clémentine", "Constance", "Domitille", "Elina", "Éloïse",
			"Esther", "Faustine", "Félicie", "Gabrielle", "Garance", "Héléna", "Iris", "Jasmine", "Joséphine", "Judith",
			"Laurine", "Léontine", "Loane", "Lucille", "Lyna", "Mahaut", "Maïa", "Mathilda", "Maud", "Méline",
			"Naïs", "Ninon", "Noëlie", "Oriane", "Paloma", "Rachel", "Raphaëlle", "Rébecca", "Romy", "Roxane",
			"Sabrina", "Tessa", "Thaïs", "Valentine", "Victoria", "Zélie", "Cléa", "Énora", "Lénaïg", "Ysaline",
		},
		male: []string{
			"Lucas", "Hugo", "Thomas", "Théo", "Enzo", "Nathan", "Mathis", "Louis", "Maxime", "Alexandre",
			"Antoine", "Clément", "Quentin", "Baptiste", "Romain", "Nicolas", "Tom", "Mathéo", "Paul", "Arthur",
			"Raphaël", "Jules", "Valentin", "Gabriel", "Adrien", "Axel", "Benjamin", "Victor", "Julien", "Florian",
			"Kévin", "Dylan", "Léo", "Noah", "Ethan", "Corentin", "Dorian", "Bastien", "Jérémy", "Aurélien",
			"Loïc", "Timothée", "Gaëtan", "Rémi", "Maël", "Titouan", "Jean", "Erwan", "Joël", "Côme",
			"Noé", "Aloïs", "Jérôme", "Grégoire", "Benoît", "Yannick", "Anatole", "Arsène", "Augustin", "Brieuc",
			"César", "Cyprien", "Edgar", "Edmond", "Eliott", "Elouan", "Éloi", "Ernest", "Félix", "Gaspard",
			"Gauthier", "Gilles", "Gwendal", "Ilan", "Joachim", "Josselin", "Lazare", "Lubin", "Malo", "Marceau",
			"Marcel", "Marius", "Maxence", "Nolan", "Octave", "Oscar", "Pacôme", "Sacha", "Swann", "Tanguy",
			"Ulysse", "Valérian", "Yann", "Samuel", "Simon", "Pierre", "Martin", "Mattéo", "Matthieu", "Guillaume",
			"François", "Damien", "Alexis", "Vincent", "Sébastien", "Cédric", "Tristan", "Léon", "Sylvain", "Yohan",
			"Killian", "Evan", "Kylian", "Loris", "Thibault", "Robin", "Hadrien", "Charles", "Henri", "Étienne",
			"Aymeric", "Enguerrand", "Jean-Baptiste", "Pierre-Louis", "Jean-Pierre", "Louis-Marie", "Paul-Émile", "Achille", "Alban", "Amaury",
			"Ambroise", "Anthony", "Antonin", "Armand", "Arnaud", "Aubin", "Audric", "Basile", "Bertrand", "Blaise",
			"Bruno", "Célestin", "Christophe", "Clovis", "Colin", "Cyril", "Dimitri", "Éloan", "Émile", "Éric",
			"Esteban", "Fabien", "Florent", "Gabin", "Gaël", "Germain", "Hector", "Hippolyte", "Isaac", "Jacques",
			"Jordan", "Justin", "Lenny", "Léandre", "Lilian", "Lionel", "Luc", "Ludovic", "Marin", "Mathias",
			"Mickaël", "Milo", "Nathanaël", "Néo", "Nils", "Olivier", "Philémon", "Raoul", "Romaric", "Ruben",
			"Théophile", "Thibaud", "Timéo", "Virgile", "Xavier", "Yves", "Zacharie", "Gaspard-Marie", "Lancelot", "Sixte",
		},
		last: []string{
			"Martin", "Bernard", "Thomas", "Petit", "Robert", "Richard", "Durand", "Dubois", "Moreau", "Laurent",
			"Simon", "Michel", "Lefebvre", "Leroy", "Roux", "David", "Bertrand", "Morel", "Fournier", "Girard",
			"Bonnet", "Dupont", "Lambert", "Fontaine", "Rousseau", "Vincent", "Muller", "Lefèvre", "Faure", "André",
			"Mercier", "Blanc", "Guérin", "Boyer", "Garnier", "Chevalier", "François", "Legrand", "Gauthier", "Garcia",
			"Perrin", "Robin", "Clément", "Morin", "Nicolas", "Henry", "Roussel", "Mathieu", "Gautier", "Masson",
			"Marchand", "Duval", "Denis", "Dumont", "Marie", "Lemaire", "Noël", "Meyer", "Dufour", "Meunier",
			"Brun", "Blanchard", "Giraud", "Joly", "Rivière", "Lucas", "Brunet", "Gaillard", "Barbier", "Arnaud",
			"Martinez", "Gérard", "Roche", "Renard", "Schmitt", "Roy", "Leroux", "Colin", "Vidal", "Caron",
			"Picard", "Roger", "Fabre", "Aubert", "Lemoine", "Renaud", "Dumas", "Lacroix", "Olivier", "Philippe",
			"Bourgeois", "Pierre", "Benoît", "Rey", "Leclerc", "Payet", "Rolland", "Leclercq", "Guillaume", "Lecomte",
			"Lopez", "Jean", "Dupuy", "Guillot", "Hubert", "Berger", "Carpentier", "Sanchez", "Dupuis", "Moulin",
			"Louis", "Deschamps", "Huet", "Vasseur", "Perez", "Boucher", "Fleury", "Royer", "Klein", "Jacquet",
			"Adam", "Paris", "Poirier", "Marty", "Aubry", "Guyot", "Carré", "Charles", "Renault", "Charpentier",
			"Ménard", "Maillard", "Baron", "Bertin", "Bailly", "Hervé", "Schneider", "Fernandez", "Le Gall", "Collet",
			"Léger", "Bouvier", "Julien", "Prévost", "Millet", "Perrot", "Daniel", "Le Roux", "Cousin", "Germain",
			"Breton", "Besson", "Langlois", "Rémy", "Le Goff", "Pelletier", "Lévêque", "Perrier", "Leblanc", "Barré",
			"Lebrun", "Marchal", "Weber", "Mallet", "Hamon", "Boulanger", "Jacob", "Monnier", "Michaud", "Rodriguez",
			"Guichard", "Gillet", "Étienne", "Grondin", "Poulain", "Tessier", "Chevallier", "Collin", "Chauvin", "Bouchet",
			"Lemaître", "Bénard", "Maréchal", "Humbert", "Reynaud", "Hoarau", "Barthélemy", "Cordier", "Pichon", "Lejeune",
			"De La Fontaine", "Saint-Martin", "Le Bihan", "Desjardins", "Bœuf", "D'Arcy", "Cœur", "Du Pré", "Lévy", "Saint-Cyr",
		},
		listShare: 0.10,
		synth:     frenchSurname,
	},
	{
		name:   "maghreb",
		weight: 0.09,
		female: []string{
			"Yasmine", "Inès", "Sarah", "Nour", "Lina", "Imane", "Myriam", "Samira", "Kenza", "Salma",
			"Aya", "Assia", "Farah", "Rania", "Aïcha", "Khadija", "Fatima-Zahra", "Meryem", "Chaïma", "Loubna",
			"Nawel", "Sonia", "Leïla", "Hajar", "Ikram", "Wiam", "Soraya", "Nesrine", "Dounia", "Amira",
			"Sabrina", "Malika", "Naïma", "Latifa", "Hanane", "Sihem", "Warda", "Zineb", "Houda", "Maroua",
			"Nadia", "Souad", "Lamia", "Kahina", "Thiziri", "Sana", "Rim", "Amel", "Asma", "Ines",
		},
		male: []string{
			"Mohamed", "Yanis", "Rayan", "Amine", "Sofiane", "Karim", "Nassim", "Mehdi", "Bilal", "Walid",
			"Hamza", "Younès", "Anis", "Ryad", "Zakaria", "Ilyès", "Abdelkader", "Soufiane", "Wassim", "Hicham",
			"Adam", "Ayoub", "Ismaël", "Nabil", "Rachid", "Samir", "Yacine", "Omar", "Idris", "Ali",
			"Farid", "Khalil", "Malik", "Mourad", "Nordine", "Redouane", "Sami", "Tarik", "Yassine", "Zinedine",
			"Aksel", "Amir", "Badr", "Djibril", "Fayçal", "Ilyas", "Marwan", "Othmane", "Réda", "Sofian",
		},
		last: []string{
			"Benali", "Haddad", "Mansouri", "Belkacem", "El Amrani", "Benyahia", "Bouzid", "Saïdi", "Cherif", "Hamidi",
			"Amrani", "Rahmani", "Khelifi", "Brahimi", "Aït Ahmed", "Ben Salah", "Zerrouki", "Chaouch", "Meziane", "Touati",
			"El Idrissi", "Benmoussa", "Ouali", "Boukhari", "Benjelloun", "Lahlou", "Bensaïd", "Djebbar", "Ferhat", "Tazi",
		},
		listShare:   0.2,
		synth:       maghrebSurname,
		frenchGiven: 0.25,
	},
	{
		name:   "west-africa",
		weight: 0.05,
		female: []string{
			"Aminata", "Fatoumata", "Awa", "Mariam", "Aïssatou", "Kadiatou", "Binta", "Oumou", "Mariama", "Ndeye",
			"Rokia", "Assétou", "Fanta", "Hawa", "Djeneba", "Coumba", "Adjoa", "Akossiwa", "Salimata", "Korotoumou",
			"Astou", "Dieynaba", "Khady", "Maïmouna", "Ramatoulaye", "Sokhna", "Yacine", "Affoué", "Ami", "Nafissatou",
		},
		male: []string{
			"Mamadou", "Moussa", "Ibrahima", "Ousmane", "Seydou", "Adama", "Cheikh", "Abdoulaye", "Souleymane", "Boubacar",
			"Modibo", "Alassane", "Salif", "Lamine", "Issa", "Kofi", "Yao", "Koffi", "Babacar", "Serigne",
			"Aboubacar", "Bakary", "Daouda", "Demba", "Fodé", "Habib", "Karamoko", "Mahamadou", "Oumar", "Sékou",
		},
		last: []string{
			"Diallo", "Traoré", "Koné", "Diop", "N'Diaye", "Sow", "Camara", "Cissé", "Coulibaly", "Keïta",
			"Ouédraogo", "Sylla", "Fofana", "Bamba", "Kouassi", "Konaté", "Touré", "Sanogo", "Sangaré", "Faye",
			"Ba", "Sy", "Gueye", "Mbaye", "Kaboré", "Dembélé", "N'Guessan", "Sawadogo", "Diarra", "Doumbia",
			"Kouamé", "Yao", "Zongo", "Thiam", "Sarr", "Niang", "Fall", "Seck", "Kanté", "Dramé",
		},
		listShare:   0.4,
		synth:       westAfricanSurname,
		frenchGiven: 0.25,
	},
	{
		name:   "vietnam",
		weight: 0.012,
		female: []string{
			"Anh", "Lan", "Linh", "Hà", "Ngọc", "Phương", "Trang", "Hương", "Mai", "Thảo",
			"Vy", "Yến", "Hoa", "Nga", "Giang", "Châu", "Minh Anh", "Thu Hà", "Bảo Ngọc", "Khánh Linh",
		},
		male: []string{
			"Minh", "Huy", "Quang", "Đức", "Tuấn", "Bảo", "Dũng", "Hùng", "Khánh", "Long",
			"Nam", "Phúc", "Quân", "Sơn", "Trung", "Hải", "Đạt", "Hiếu", "Thành", "Việt",
		},
		last: []string{
			"Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng",
			"Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý", "Đinh", "Trương", "Lâm", "Mai",
		},
		listShare:   1,
		frenchGiven: 0.2,
		given: func(r *rand.Rand, picked string, female bool) string {
			switch {
			case strings.Contains(picked, " "):
				return picked
			case female && r.IntN(2) == 0:
				return "Thị " + picked
			case !female && r.IntN(3) == 0:
				return "Văn " + picked
			}
			return picked
		},
	},
	{
		name:   "china",
		weight: 0.01,
		// Given names are built from two syllables (Xiaoling, Zhiwei); the
		// lists hold the first syllable.
		female: []string{"Xiao", "Mei", "Jia", "Yu", "Xin", "Li", "Ying", "Hui", "Jing", "Yan", "Lan", "Shu", "Qian", "Ting", "Wen", "Yi"},
		male:   []string{"Zhi", "Wei", "Hao", "Jun", "Ming", "Jian", "Yong", "Tao", "Bo", "Lei", "Peng", "Rui", "Chen", "Hong", "Kai", "Xiang"},
		last: []string{
			"Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou",
			"Xu", "Sun", "Ma", "Zhu", "Hu", "Guo", "He", "Lin", "Gao", "Luo",
		},
		listShare:   1,
		frenchGiven: 0.1,
		given: func(r *rand.Rand, first string, _ bool) string {
			return first + chineseSecond[r.IntN(len(chineseSecond))]
		},
	},
	{
		name:   "iberia-italy",
		weight: 0.035,
		female: []string{
			"Inês", "Beatriz", "Rafaela", "Leonor", "Mariana", "Lucía", "Sofía", "Giulia", "Chiara", "Francesca",
			"Ana", "Catarina", "Carolina", "Alba", "Martina", "María José",
		},
		male: []string{
			"João", "Gonçalo", "Tiago", "Rodrigo", "Diogo", "Alejandro", "Álvaro", "Matteo", "Lorenzo", "Nuno",
			"Rui", "Pedro", "Miguel", "Javier", "Sergio", "José",
		},
		last: []string{
			"Ferreira", "Da Silva", "Dos Santos", "Pereira", "Rodrigues", "Gonçalves", "Fernandes", "Carvalho", "Oliveira", "Sousa",
			"Lopes", "Gomes", "Martins", "Ribeiro", "Teixeira", "Monteiro", "Cardoso", "Magalhães", "Conceição", "Simões",
			"Araújo", "García", "Fernández", "Muñoz", "Núñez", "Rossi", "Russo", "Esposito", "Bianchi", "Ricci",
		},
		listShare:   1,
		double:      0.45,
		frenchGiven: 0.35,
	},
	{
		name:   "central-eastern-europe",
		weight: 0.02,
		female: []string{
			"Zofia", "Agnieszka", "Katarzyna", "Małgorzata", "Anastasia", "Ioana", "Tereza", "Ágnes", "Olga", "Natalia",
			"Weronika", "Alicja", "Yuliia", "Andreea", "Daria", "Kinga", "Milena", "Oksana", "Petra", "Veronika",
		},
		male: []string{
			"Paweł", "Michał", "Łukasz", "Wojciech", "Krzysztof", "Oleksandr", "Ivan", "Dragoş", "Ştefan", "Mihai",
			"Jiří", "Dávid", "Jakub", "Bartosz", "Andrii", "Bogdan", "Filip", "Marek", "Tomasz", "Vlad",
		},
		last: []string{
			"Kowalski", "Nowak", "Wiśniewski", "Wójcik", "Kowalczyk", "Kamiński", "Lewandowski", "Zieliński", "Szymański", "Woźniak",
			"Dąbrowski", "Kozłowski", "Popescu", "Ionescu", "Kovalenko", "Shevchenko", "Ivanov", "Dvořák", "Novák", "Horváth",
		},
		listShare:   0.4,
		synth:       polishSurname,
		feminine:    feminineSlavic,
		frenchGiven: 0.2,
	},
	{
		name:   "turkey",
		weight: 0.006,
		female: []string{"Elif", "Ayşe", "Zeynep", "Büşra", "Merve", "Esra", "Gülşen", "Özge", "Defne", "Ebru", "Hatice", "İrem", "Selin", "Tuğba", "Yasemin", "Şeyma"},
		male:   []string{"Emre", "Mehmet", "Mustafa", "Burak", "Oğuz", "Hüseyin", "Çağan", "Yiğit", "Ahmet", "Barış", "Can", "Deniz", "Eren", "Kerem", "Murat", "Serkan"},
		last: []string{
			"Yılmaz", "Kaya", "Demir", "Şahin", "Çelik", "Yıldız", "Öztürk", "Aydın", "Arslan", "Doğan", "Koç", "Kılıç",
			"Aslan", "Çetin", "Kara", "Kurt", "Özdemir", "Polat", "Şimşek", "Erdoğan", "Aktaş", "Güneş", "Bulut", "Ünal",
		},

		listShare:   1,
		frenchGiven: 0.1,
	},
	{
		name:   "germanic-nordic",
		weight: 0.006,
		female: []string{"Lena", "Sigrid", "Ingrid", "Astrid", "Jana", "Katharina", "Freya", "Märta", "Liv", "Annika", "Birgit", "Frida", "Greta", "Hanna", "Johanna", "Solveig"},
		male:   []string{"Jürgen", "Björn", "Søren", "Lars", "Jonas", "Lukas", "Magnus", "Þór", "Sören", "Anders", "Felix", "Henrik", "Jan", "Moritz", "Nils", "Tobias"},
		last: []string{
			"Müller", "Schmidt", "Schneider", "Strauß", "Weiß", "Schäfer", "Ødegaard", "Jørgensen", "Andersson", "Nielsen", "Åberg", "Þórsson",
			"Hansen", "Lindqvist", "Fischer", "Wagner", "Becker", "Hoffmann", "Krüger", "Johansson", "Larsen", "Berg", "Halvorsen", "Sigurðsson",
		},

		listShare:   1,
		frenchGiven: 0.1,
	},
	{
		name:   "elsewhere",
		weight: 0.008,
		female: []string{
			"Fanja", "Hanitra", "Siobhán", "Olivia", "Thandiwe", "Eleni", "Naledi", "Ama", "Chloe", "Kiara",
			"Yuki", "Seo-yeon", "Ji-woo", "Priya", "Ananya", "Sakura", "Aiko", "Maria", "Niamh", "Despina",
		},
		male: []string{
			"Tahina", "Rija", "Liam", "Kwame", "Nikos", "Sipho", "Kojo", "Diego", "Jean-Claude", "Rindra",
			"Haruto", "Min-jun", "Arjun", "Kenji", "Ravi", "Yuto", "Sung-min", "Cian", "Giorgos", "Aarav",
		},
		last: []string{
			"Rakotomalala", "Randrianarisoa", "Rasoanaivo", "Smith", "O'Brien", "McCarthy", "Mensah", "Ndlovu", "Papadopoulos", "Asante",
			"Dlamini", "Rakotondrabe", "Murphy", "O'Connor", "Kim", "Park", "Lee", "Choi", "Nakamura", "Tanaka",
			"Suzuki", "Sato", "Sharma", "Patel", "Singh", "Gupta", "Nikolaidis", "Georgiou", "Boateng", "Okafor",
		},
		listShare:   1,
		frenchGiven: 0.1,
	},
}

// chineseSecond holds second syllables of Chinese given names.
var chineseSecond = []string{"ling", "wei", "yu", "hua", "jie", "min", "xin", "yi", "han", "qing", "long", "fei", "ning", "yang", "lin", "feng"}

// French family names beyond the most common ones: built the way many of
// them were formed (a stem and a diminutive or place ending, a place with a
// particle, a saint's name), so the long tail of rare surnames is there too.
var (
	frStems = []string{
		"Bouch", "Chab", "Chaum", "Lamb", "Bern", "Berth", "Bourd", "Brun", "Blanch", "Carr",
		"Cast", "Chap", "Charp", "Chauv", "Coll", "Cour", "Del", "Duc", "Fabr", "Ferr",
		"Foss", "Fourn", "Gaill", "Garn", "Gaud", "Gerv", "Gir", "Grand", "Guill", "Hug",
		"Jacqu", "Jard", "Joub", "Lap", "Lecl", "Lom", "Mall", "Marc", "Mart", "Mass",
		"Mich", "Moll", "Moul", "Pell", "Perr", "Pich", "Pouj", "Rab", "Rich", "Rob",
		"Roch", "Rouss", "Sauv", "Tess", "Thib", "Vach", "Vid", "Vill", "Aub", "Arn",
		"Barb", "Bard", "Bast", "Baud", "Bess", "Boiss", "Bonn", "Bouv", "Bréb", "Bross",
		"Caill", "Cham", "Char", "Cheval", "Clav", "Coch", "Coud", "Crém", "Dur", "Esc",
		"Fav", "Fleur", "Font", "Forg", "Gaut", "Gendr", "Gibr", "Goss", "Grav", "Grenn",
		"Guér", "Jaum", "Jouv", "Lagard", "Laur", "Maill", "Mén", "Mor", "Noir", "Oliv",
		"Pag", "Pasc", "Pén", "Piqu", "Pons", "Prad", "Ray", "Rég", "Rey", "Rivi",
		"Roub", "Sabat", "Salv", "Serr", "Sim", "Tard", "Teyss", "Tourn", "Vern", "Viall",
		"Bouss", "Cabr", "Calv", "Castan", "Cazal", "Coust", "Espin", "Fabreg", "Garrig", "Lauz",
		"Mauri", "Molin", "Paul", "Peyr", "Puj", "Ribot", "Sarr", "Soul", "Trinqu", "Valent",
		"Audib", "Bérard", "Boud", "Bourr", "Cabann", "Chass", "Chatel", "Combr", "Daub", "Dejean",
		"Desm", "Drou", "Ferrand", "Gall", "Gasc", "Gervais", "Gouj", "Guib", "Lacomb", "Lanc",
		"Lebr", "Marqu", "Mey", "Mourg", "Nouv", "Pagn", "Poud", "Rap", "Rouv", "Sauss",
		"Thér", "Tiss", "Vall", "Varenn", "Vign", "Bouq", "Chan", "Cler", "Fourc", "Jarr",
	}
	frEndings = []string{
		"ier", "et", "ot", "on", "in", "ard", "aud", "eau", "el", "ou",
		"ac", "ès", "as", "at", "ey", "ière", "ette", "ault", "and", "elin",
		"illon", "aux", "ie", "ol", "ade", "ens", "ane", "ère", "ay", "oux",
		"ès", "eix", "ard", "ais", "ery", "eron", "ichon", "aret", "is", "enc",
	}
	frPlaces = []string{
		"mont", "bois", "pont", "val", "puy", "mas", "pré", "chêne", "four", "moulin",
		"breuil", "bourg", "fresne", "buisson", "plessis", "tertre", "rocher", "verger", "moustier", "pin",
		"vernet", "mesnil", "bosc", "perron", "champ", "lac", "faur", "pouget", "cros", "fraisse",
	}
	frPlacePrefixes = []string{"Du", "Du ", "Des", "De ", "La", "Le ", "Beau", "Bel", "Mont", "Roche", "Ville", "Font", "Champ", "Puy", "Lacombe-"}
	frBreton        = []string{"Le Bris", "Le Corre", "Le Floch", "Le Guen", "Le Meur", "Le Pape", "Le Du", "Le Borgne", "Le Cam", "Le Moal", "Le Bras", "Le Hir", "Kerbrat", "Kergoat", "Tanguy", "Quéré", "Guégan", "Le Dantec", "Le Gac", "Riou"}
	frSaints        = []string{"Martin", "Pierre", "Jean", "Louis", "Germain", "Hilaire", "Laurent", "Denis", "Léger", "Aubin", "André", "Amand", "Georges", "Just", "Éloi", "Marc", "Rémy", "Hubert", "Yves", "Cyr"}
)

func frenchSurname(r *rand.Rand) string {
	switch x := r.IntN(100); {
	case x < 80:
		return frStems[r.IntN(len(frStems))] + frEndings[r.IntN(len(frEndings))]
	case x < 91:
		p := frPlacePrefixes[r.IntN(len(frPlacePrefixes))]
		pl := frPlaces[r.IntN(len(frPlaces))]
		if strings.HasSuffix(p, " ") || strings.HasSuffix(p, "-") {
			return p + strings.ToUpper(pl[:1]) + pl[1:]
		}
		return p + pl
	case x < 94:
		return frBreton[r.IntN(len(frBreton))]
	case x < 96:
		return "Saint-" + frSaints[r.IntN(len(frSaints))]
	default: // two names since the 2005 law on family names
		return frStems[r.IntN(len(frStems))] + frEndings[r.IntN(len(frEndings))] + "-" +
			frStems[r.IntN(len(frStems))] + frEndings[r.IntN(len(frEndings))]
	}
}

var mgRoots = []string{
	"Ahmed", "Youssef", "Salah", "Amar", "Hassan", "Kaddour", "Larbi", "Mokhtar", "Saïd", "Slimane",
	"Aziz", "Hamid", "Malek", "Rachid", "Tahar", "Kacem", "Moussa", "Naceur", "Aïssa", "Yahia",
	"Khaled", "Djamel", "Mabrouk", "Lakhdar", "Bachir", "Hadj", "Nasser", "Messaoud", "Abbas", "Chérif",
	"Mansour", "Djemaa", "Salem", "Rabah", "Tayeb", "Hamou", "Amrane", "Kheir", "Ziane", "Brahim",
	"Mehdi", "Othmane", "Abdallah", "Habib", "Karim", "Fodil", "Smaïl", "Ramdane", "Akli", "Idir",
}

// mgPatterns build a family name from a given name: father's name with a
// particle, a nisba, or the name itself.
var mgPatterns = []func(root, low string) string{
	func(root, _ string) string { return "Ben " + root },
	func(_, low string) string { return "Ben" + low },
	func(_, low string) string { return "Bel" + low },
	func(_, low string) string { return "Bou" + low },
	func(root, _ string) string { return strings.TrimSuffix(strings.TrimSuffix(root, "e"), "a") + "i" },
	func(root, _ string) string { return "El " + root },
	func(root, _ string) string { return "Aït " + root },
	func(root, _ string) string { return "Ould " + root },
	func(root, _ string) string { return "Si " + root },
	func(root, _ string) string { return strings.TrimSuffix(root, "e") + "ine" },
	func(root, _ string) string { return root },
}

func maghrebSurname(r *rand.Rand) string {
	root := mgRoots[r.IntN(len(mgRoots))]
	low := strings.ToLower(root[:1]) + root[1:]
	return mgPatterns[r.IntN(len(mgPatterns))](root, low)
}

var (
	waHeads = []string{"Kou", "Ko", "Oua", "Sa", "Ya", "Zo", "Ni", "Ta", "Ka", "Ba", "Di", "Dou", "Sou", "Tra", "Ye", "Bam", "Dja", "Ki", "Com", "Il"}
	waMids  = []string{"", "a", "ba", "bo", "ra", "ma", "wa", "la", "do", "da", "di", "mé", "ké", "bou", "ssa", "n"}
	waTails = []string{"ré", "go", "ogo", "ssa", "té", "ra", "ba", "dio", "kou", "gui", "ly", "ta", "mé", "no", "ké", "ra", "ogo", "a"}
)

// westAfricanSurname builds rarer Ivorian, Burkinabe and Malian-sounding names
// (Kouadio, Yaméogo, Sawadogo).
func westAfricanSurname(r *rand.Rand) string {
	return waHeads[r.IntN(len(waHeads))] + waMids[r.IntN(len(waMids))] + waTails[r.IntN(len(waTails))]
}

var (
	plStems   = []string{"Kowal", "Zieliń", "Szymań", "Jankow", "Kwiatkow", "Piotrow", "Grabow", "Pawłow", "Michal", "Wróbl", "Kaczmar", "Mazur", "Krawc", "Sikor", "Baran", "Rutk", "Ostrow", "Tomasz", "Jasiń", "Malinow"}
	plEndings = []string{"ski", "czyk", "ak", "ek", "iewicz", "ski", "ski"}
)

func polishSurname(r *rand.Rand) string {
	s := plStems[r.IntN(len(plStems))]
	e := plEndings[r.IntN(len(plEndings))]
	if strings.HasSuffix(s, "ń") && e != "ski" {
		s = strings.TrimSuffix(s, "ń") + "n"
	}
	return s + e
}

// feminineSlavic gives the feminine form of Polish, Czech and Russian names.
func feminineSlavic(last string) string {
	switch {
	case strings.HasSuffix(last, "ski"), strings.HasSuffix(last, "cki"):
		return strings.TrimSuffix(last, "i") + "a"
	case strings.HasSuffix(last, "ov"), strings.HasSuffix(last, "ev"), strings.HasSuffix(last, "in"):
		return last + "a"
	case last == "Dvořák" || last == "Novák":
		return last + "ová"
	}
	return last
}

// component is a faculty or school, with its programmes.
type component struct {
	code     string
	programs []program
}

// program is a programme (étape) with its year of study and relative size.
type program struct {
	code  string
	level int
	size  float64
}

var components = []component{
	{"FDS", []program{
		{"L1INFO", 1, 9}, {"L2INFO", 2, 6}, {"L3INFO", 3, 5}, {"M1INFO", 4, 3}, {"M2INFO", 5, 3},
		{"L1MATH", 1, 5}, {"L2MATH", 2, 3}, {"L1PHYS", 1, 4}, {"L1CHIM", 1, 4},
		{"L1BIO", 1, 10}, {"L2BIO", 2, 7}, {"L3BIO", 3, 6}, {"M1BIO", 4, 3}, {"M2BIO", 5, 3},
	}},
	{"DRT", []program{
		{"L1DROIT", 1, 14}, {"L2DROIT", 2, 9}, {"L3DROIT", 3, 7}, {"M1DPRIV", 4, 3}, {"M1DPUB", 4, 2},
		{"M2NOTAR", 5, 1}, {"L1SCPO", 1, 3},
	}},
	{"MED", []program{
		{"PASS", 1, 12}, {"L2MED", 2, 4}, {"L3MED", 3, 4}, {"DFASM1", 4, 4},
	}},
	{"PHA", []program{
		{"L2PHA", 2, 2}, {"L3PHA", 3, 2}, {"M1PHA", 4, 2},
	}},
	{"ECO", []program{
		{"L1ECO", 1, 7}, {"L2ECO", 2, 4}, {"L3ECO", 3, 3}, {"M1ECO", 4, 2},
	}},
	{"STAPS", []program{
		{"L1STAPS", 1, 6}, {"L2STAPS", 2, 4}, {"L3STAPS", 3, 3},
	}},
	{"IUT", []program{
		{"BUT1INFO", 1, 4}, {"BUT1GEA", 1, 4}, {"BUT1GEII", 1, 3}, {"BUT2INFO", 2, 3},
	}},
	{"FDE", []program{
		{"M1MEEF", 4, 4}, {"M2MEEF", 5, 3},
	}},
	{"POLY", []program{
		{"PEIP1", 1, 2}, {"ING3INFO", 3, 2}, {"ING3MEA", 3, 1},
	}},
}

// emailDomains are personal mailbox providers with their relative weight.
var emailDomains = []struct {
	domain string
	weight float64
}{
	{"gmail.com", 55}, {"hotmail.fr", 8}, {"orange.fr", 8}, {"outlook.fr", 6}, {"yahoo.fr", 6},
	{"free.fr", 5}, {"laposte.net", 4}, {"sfr.fr", 3}, {"icloud.com", 3}, {"wanadoo.fr", 1},
	{"protonmail.com", 1},
}

// fold maps lower-case letters to ASCII (for email addresses and -stats).
var fold = map[rune]string{
	'à': "a", 'á': "a", 'â': "a", 'ä': "a", 'ã': "a", 'å': "a", 'ą': "a", 'ă': "a", 'ạ': "a", 'ả': "a", 'ấ': "a", 'ầ': "a", 'ậ': "a", 'ắ': "a", 'ặ': "a",
	'ç': "c", 'ć': "c", 'č': "c",
	'é': "e", 'è': "e", 'ê': "e", 'ë': "e", 'ę': "e", 'ě': "e", 'ễ': "e", 'ệ': "e", 'ế': "e", 'ề': "e",
	'í': "i", 'ì': "i", 'î': "i", 'ï': "i", 'ı': "i", 'ị': "i", 'ỉ': "i",
	'ñ': "n", 'ń': "n", 'ň': "n",
	'ó': "o", 'ò': "o", 'ô': "o", 'ö': "o", 'õ': "o", 'ø': "o", 'ọ': "o", 'ồ': "o", 'ỗ': "o", 'ơ': "o", 'ố': "o", 'ộ': "o", 'ớ': "o", 'ờ': "o", 'ở': "o", 'ợ': "o", 'ổ': "o",
	'ú': "u", 'ù': "u", 'û': "u", 'ü': "u", 'ů': "u", 'ư': "u", 'ũ': "u", 'ụ': "u", 'ủ': "u", 'ứ': "u", 'ừ': "u", 'ự': "u",
	'ý': "y", 'ÿ': "y", 'ỳ': "y", 'ỹ': "y",
	'ś': "s", 'ş': "s", 'š': "s", 'ș': "s", 'ź': "z", 'ż': "z", 'ž': "z", 'ř': "r", 'ğ': "g", 'ţ': "t", 'ț': "t", 'ď': "d",
	'œ': "oe", 'æ': "ae", 'ß': "ss", 'ł': "l", 'đ': "d", 'þ': "th", 'ð': "d",
}
