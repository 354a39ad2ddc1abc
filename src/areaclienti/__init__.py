"""Area Clienti: the self-service customer area of CA Vita and CA Assicurazioni."""
