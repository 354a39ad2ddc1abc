"""The words a customer says in the video selfie (R-ID-2): everyday Italian nouns, easy to read aloud
and to recognise, free of anything offensive. One is drawn at random for every recording."""
from __future__ import annotations

KEYWORDS: tuple[str, ...] = tuple("""
albero ancora arancia aquila balcone barca biscotto bosco bottone bussola campana candela canguro
cappello carota castello cavallo chitarra ciliegia cipresso collina coniglio conchiglia cometa corda cornice
cuscino delfino diamante divano elefante farfalla faro fontana foglia formica fragola fulmine gabbiano
gatto gelato giardino giraffa girasole gomitolo granchio grillo isola lampada lanterna lavagna limone
lucciola luna mandorla matita melograno mongolfiera montagna mulino nuvola ombrello orologio ortensia
palazzo palloncino panchina pappagallo passero pavone penna pepe pianoforte pigna pineta pinguino
pioggia platano pozzo prato quaderno ragnatela ranocchio riccio rondine rosmarino sasso scoiattolo
semaforo sentiero sirena sole spiaggia stella tamburo tartaruga tavolo teiera tempesta tigre topolino
torre treno trifoglio tromba tulipano uliveto vaso veliero ventaglio violino vulcano zucca zaino
""".split())
