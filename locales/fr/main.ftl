# Messages de l'interface en français. Chaque clé existe aussi dans ../en/main.ftl (un test
# compare les deux catalogues entre eux et avec les gabarits).

## Mise en page
skip-to-content = Aller au contenu principal
nav-label = Principal
nav-home = Accueil
nav-groups = Groupes
nav-people = Personnes
nav-profile = Votre profil
nav-settings = Paramètres
nav-admin = Administration
nav-sign-in = Se connecter
nav-sign-out = Se déconnecter
nav-register = Créer un compte
footer-software = Propulsé par Commonplace, logiciel libre sous licence
footer-about = À propos de cette instance
footer-api = API
breadcrumbs = Fil d'Ariane
page-next = Page suivante
page-previous = Page précédente
cancel = Annuler
by = par
edited = modifié
language-other = Une autre langue

## Dates
month-1 = janvier
month-2 = février
month-3 = mars
month-4 = avril
month-5 = mai
month-6 = juin
month-7 = juillet
month-8 = août
month-9 = septembre
month-10 = octobre
month-11 = novembre
month-12 = décembre
date-format = { $day } { $month } { $year }
time-just-now = à l'instant
time-minutes-ago = { $count ->
    [one] il y a 1 minute
   *[other] il y a { $count } minutes
}
time-hours-ago = { $count ->
    [one] il y a 1 heure
   *[other] il y a { $count } heures
}
time-days-ago = { $count ->
    [one] hier
   *[other] il y a { $count } jours
}

## Erreurs
error-go-home = Aller à l'accueil
error-stale-form-title = Ce formulaire a expiré
error-stale-form-body = La page est restée ouverte trop longtemps, ou les témoins (cookies) sont bloqués. Revenez en arrière, rechargez la page et envoyez de nouveau le formulaire.
error-forbidden-title = Vous ne pouvez pas faire cela
error-forbidden-body = Votre compte n'a pas le droit de faire cela ici.
error-not-found-title = Page introuvable
error-not-found-body = Vérifiez l'adresse, ou revenez à l'accueil. Ce qui se trouvait ici a peut-être été supprimé.
error-method-title = Pas disponible de cette façon
error-method-body = Cette adresse n'accepte pas ce type de requête.
error-too-large-title = Trop volumineux
error-too-large-body = Ce que vous avez envoyé dépasse ce que ce serveur accepte. Raccourcissez-le et réessayez.
error-rate-limited-title = Trop de tentatives
error-rate-limited-body = Trop de tentatives en peu de temps. Attendez une minute et réessayez.
error-bad-request-title = La requête pose problème
error-bad-request-body = Le serveur n'a pas pu lire ce qui a été envoyé. Revenez en arrière et réessayez.
error-remote-title = Un autre serveur n'a pas répondu
error-remote-body = L'instance d'où cela provient n'a pas répondu à temps. Réessayez plus tard.
error-server-title = Désolé, le service rencontre un problème
error-server-body = Réessayez plus tard. Si cela continue, prévenez les personnes qui gèrent cette instance.

## Formulaires
form-problem = Il y a un problème
form-error-prefix = Erreur :
form-error-title-prefix = Erreur :
invalid-other = Vérifiez ce champ
invalid-empty = Remplissez ce champ
invalid-empty-title = Saisissez un titre
invalid-empty-body = Écrivez quelque chose
invalid-empty-username = Saisissez un nom d'utilisateur
invalid-empty-password = Saisissez un mot de passe
invalid-empty-reason = Dites ce qui ne va pas
invalid-too-long = Utilisez au plus { $max } caractères
invalid-name = Utilisez de 1 à { $max } lettres minuscules, chiffres et tirets bas
invalid-one-line = Utilisez une seule ligne, sans caractères de contrôle
invalid-password = Utilisez de { $min } à { $max } caractères
invalid-url = Saisissez une adresse qui commence par http:// ou https://
invalid-tag = Une étiquette compte au plus { $max } lettres, chiffres, espaces, traits d'union ou tirets bas
invalid-too-many-tags = Utilisez au plus { $max } étiquettes
invalid-too-many-tags-languages = Utilisez au plus { $max } langues
invalid-other-group = Aucun groupe de ce nom n'est connu ici
invalid-other-expertise = Utilisez une étiquette avec une lettre ou un chiffre
invalid-language = Choisissez une langue comme en, fr ou fr-CA
invalid-domain = Saisissez un nom de domaine, comme example.org
invalid-own-domain = Le domaine de cette instance ne peut pas être inscrit
invalid-too-large = Utilisez au plus { $kb } Ko
conflict = C'est déjà pris
conflict-name = Ce nom est déjà pris
conflict-username = Ce nom d'utilisateur est déjà pris
conflict-email = Un compte utilise déjà cette adresse courriel
label-title = Titre
label-link = Lien (facultatif)
label-body = Texte
label-language = Langue
label-reason = Motif
label-pinned = Épinglé
label-locked = Verrouillé
label-removed = Retiré par un intendant
hint-title = Une ligne, 200 caractères au plus.
hint-link = Une page dont parle ce fil.
hint-reason = Les intendants du groupe et les administrateurs le liront.
markdown-hint = Vous pouvez utiliser Markdown : **gras**, *italique*, [liens](https://example.org), listes.
preview = Aperçu

## Avis après un formulaire
notice-reply-posted = Votre réponse est publiée.
notice-thread-posted = Votre fil est publié.
notice-saved = Enregistré.
notice-deleted = Supprimé.
notice-pinned = Le fil est épinglé.
notice-unpinned = Le fil n'est plus épinglé.
notice-locked = Le fil est verrouillé.
notice-unlocked = Le fil est de nouveau ouvert.
notice-removed = Retiré.
notice-restored = Rétabli.
notice-reported = Merci. Les intendants examineront votre signalement.
notice-joined = Vous avez rejoint le groupe.
notice-join-requested = Votre demande d'adhésion est envoyée. Un intendant y répondra.
notice-join-sent = Votre demande d'adhésion est envoyée à l'instance du groupe. Vous en êtes membre dès qu'elle répond, aussitôt pour un groupe ouvert.
notice-left = Vous avez quitté le groupe.
notice-group-created = Votre groupe est prêt. Vous en êtes l'intendant.

## Accueil et à propos
home-title = Bienvenue
home-feed-title = Votre fil d'actualité
home-feed-empty = Rien pour l'instant : les fils de vos groupes et des personnes que vous suivez apparaissent ici.
home-find-groups = Trouver des groupes à rejoindre
home-pitch = Des communautés de pratique pour les fonctionnaires, d'un organisme à l'autre. Rejoignez un groupe ici, ou suivez-le depuis n'importe quelle autre instance.
home-active-groups = Groupes actifs
home-all-groups = Tous les groupes
home-numbers = Cette instance
site-people = { $count ->
    [one] { $count } membre
   *[other] { $count } membres
}
site-groups = { $count ->
    [one] { $count } groupe
   *[other] { $count } groupes
}
site-threads = { $count ->
    [one] { $count } fil
   *[other] { $count } fils
}
site-comments = { $count ->
    [one] { $count } commentaire
   *[other] { $count } commentaires
}
about-title = À propos
about-heading = À propos de { $site }
about-rules = Règles
about-no-rules = Cette instance n'a pas encore publié de règles.
about-software = Logiciel
about-version = Commonplace version { $version }
about-federation = Les autres instances trouvent celle-ci à l'adresse

## Listes de fils
sort-label = Trier
sort-new = Nouveaux
sort-active = Actifs
sort-top = Meilleurs
points = { $count ->
    [one] { $count } point
   *[other] { $count } points
}
comment-count = { $count ->
    [0] Aucun commentaire
    [one] { $count } commentaire
   *[other] { $count } commentaires
}
thread-in-group = dans
tag-empty = Aucun fil ne porte encore cette étiquette.

## Un fil
thread-gone-title = Fil supprimé
thread-deleted = [supprimé]
thread-origin = Le voir sur son instance d'origine
thread-locked = Ce fil est verrouillé : plus de nouvelles réponses.
comments-none = Pas encore de réponse.
comments-truncated = Ce fil a plus de réponses qu'une page n'en montre ; les plus anciennes sont affichées.
comment-deleted = Ce commentaire a été supprimé.
comment-removed = Un intendant a retiré ce commentaire.
vote-up = Voter pour
vote-down = Voter contre
reply = Répondre
reply-to = à { $name }
reply-label = Votre réponse
reply-thread-label = Répondre à ce fil
reply-submit = Publier la réponse
reply-title = Répondre
reply-answering = En réponse à
sign-in-to-reply = Connectez-vous pour répondre
back-to-thread = Retour au fil
edit = Modifier
delete = Supprimer
report = Signaler
steward-actions = Actions d'intendance
pin = Épingler
unpin = Désépingler
lock = Verrouiller
unlock = Déverrouiller
remove = Retirer
restore = Rétablir
compose-title = Nouveau fil dans { $group }
compose-submit = Publier le fil
edit-thread-title = Modifier le fil
edit-comment-title = Modifier le commentaire
edit-submit = Enregistrer les modifications
delete-thread-title = Supprimer ce fil ?
delete-comment-title = Supprimer ce commentaire ?
delete-submit = Oui, supprimer
confirm-cannot-undo = Cette action est irréversible.
report-title = Signaler aux intendants
report-submit = Envoyer le signalement

## Groupes
groups-title = Groupes
groups-start = Créer un groupe
groups-search-label = Chercher des groupes sur cette instance
groups-search = Chercher
groups-none = Il n'y a pas encore de groupe.
groups-none-matching = Aucun groupe ne correspond à « { $query } ».
group-members = { $count ->
    [one] { $count } membre
   *[other] { $count } membres
}
group-threads = { $count ->
    [one] { $count } fil
   *[other] { $count } fils
}
group-reach-instances = { $count ->
    [one] des membres sur { $count } instance
   *[other] des membres sur { $count } instances
}
group-reach-agencies = { $count ->
    [0] aucun organisme indiqué
    [one] { $count } organisme
   *[other] { $count } organismes
}
group-origin = Le voir sur son instance d'origine
group-new-thread = Lancer un fil
group-pending = En attente d'un intendant
group-pending-remote = En attente de l'instance du groupe
group-refused = Refusée
group-refused-reason = Motif :
group-join-again = Redemander
group-join = Rejoindre
group-leave = Quitter
group-approval-hint = Les intendants approuvent les nouveaux membres.
group-steward-tools = Outils d'intendance
group-sign-in-to-join = Connectez-vous pour rejoindre
group-pinned = Épinglés
group-threads-title = Fils
group-no-threads = Pas encore de fil. Lancez le premier.
group-about = À propos de ce groupe
group-guidelines = Lignes directrices
group-stewards = Intendants
group-since = Depuis le { $date }
group-feed = Flux (Atom)
group-feed-title = { $group } : derniers fils
group-new-title = Créer un groupe
group-create = Créer le groupe
label-group-name = Nom court
hint-group-name = Lettres minuscules, chiffres et tirets bas. Il fait partie de l'adresse du groupe et ne peut pas changer.
label-group-title = Titre
label-description = Description
label-rules = Lignes directrices
hint-rules = Ce qui a sa place ici et comment les membres se traitent. Markdown fonctionne.
label-approval = Les intendants approuvent chaque nouveau membre
hint-approval = Sinon, tout le monde peut rejoindre aussitôt.
find-title = Suivre un groupe d'une autre instance
find-label = Adresse du groupe
find-hint = Par exemple !design@autre.example, @design@autre.example ou l'adresse web du groupe.
find-submit = Trouver
find-empty = Saisissez l'adresse d'un groupe
find-invalid = Ce n'est pas l'adresse d'un groupe. Écrivez-la sous la forme !nom@domaine ou collez son adresse web.
find-not-group = Cette adresse est une instance, pas un groupe.
find-not-found = Aucun groupe trouvé à « { $query } ».

## Personnes
person-admin = Administrateur
person-expertise = Expertise
person-ask-me-about = Questions bienvenues sur
person-languages = Langues

## Répertoire des personnes
people-title = Personnes
people-intro = Toutes les personnes que cette instance connaît, ici et sur d’autres instances. Trouvez qui a déjà résolu la question par expertise, organisme ou groupe.
people-filter = Filtrer les personnes
people-instance = Instance
people-group = Groupe
people-order = Ordre
people-order-active = Actives récemment
people-order-new = Les plus récentes
people-order-name = Par nom
people-filter-submit = Filtrer
people-clear = Montrer tout le monde
people-results = Personnes trouvées
people-none = Personne n’est encore connu ici.
people-none-matching = Personne ne correspond à ces filtres.
people-wrote-about = A écrit sur
people-writers = Personnes qui en ont écrit
person-followers = { $count ->
    [one] { $count } abonné
   *[other] { $count } abonnés
}
person-following = { $count ->
    [one] suit { $count } personne
   *[other] suit { $count } personnes
}
person-since = membre depuis le { $date }
person-origin = Voir le profil sur son instance d'origine
person-edit = Modifier votre profil
person-follow = Suivre
person-unfollow = Ne plus suivre
person-follow-pending = En attente de son serveur
person-threads = Fils lancés
person-no-threads = Pas encore de fil.
person-comments = Réponses récentes
person-no-comments = Pas encore de réponse.
person-comment-in = Dans
person-groups = Groupes
person-no-groups = Membre d'aucun groupe pour l'instant.
notice-following = Vous suivez maintenant cette personne.
notice-follow-requested = Votre abonnement est envoyé ; son serveur y répondra.
notice-unfollowed = Vous ne suivez plus cette personne.

## Compte
signin-title = Se connecter
signin-submit = Se connecter
signin-no-account = Pas encore de compte ?
signin-wrong = Le nom d'utilisateur ou le mot de passe est incorrect
signin-pending = Ce compte attend l'approbation d'un administrateur
signin-suspended = Ce compte est suspendu
register-title = Créer un compte
register-submit = Créer le compte
register-have-account = Vous avez déjà un compte ?
register-approval = Un administrateur approuve chaque nouveau compte avant qu'il puisse servir.
register-pending-title = Votre compte attend une approbation
register-pending-body = Un administrateur de cette instance va l'examiner. Vous pourrez vous connecter une fois le compte approuvé.
label-username = Nom d'utilisateur
hint-username = Lettres minuscules, chiffres et tirets bas. Il ne peut pas changer.
label-password = Mot de passe
hint-password = Au moins 8 caractères. Quelques mots sans rapport font un mot de passe solide.
label-display-name = Nom affiché
hint-display-name = Votre nom tel que vos collègues le connaissent.
label-agency = Organisme
hint-agency = Où vous travaillez, pour que vos pairs d'autres organismes vous trouvent.
label-role = Fonction
label-expertise = Expertise
hint-expertise = Des étiquettes séparées par des virgules, comme accessibilité, recherche utilisateur.
label-ask-me-about = Questions bienvenues sur
hint-ask-me-about = Ce que vos collègues peuvent vous demander, en texte simple (500 caractères au plus).
label-languages = Langues
hint-languages = Les langues dans lesquelles vous travaillez, en étiquettes séparées par des virgules, comme fr, en-CA.
label-bio = À propos de vous
label-interface-language = Langue de l'interface
label-current-password = Mot de passe actuel
label-new-password = Nouveau mot de passe
settings-title = Paramètres
settings-profile = Profil
settings-language-browser = Selon mon navigateur
settings-password = Mot de passe
settings-password-submit = Changer le mot de passe
settings-password-note = Changer votre mot de passe déconnecte vos autres navigateurs et applications.
password-wrong = Le mot de passe actuel est incorrect
settings-apps = Applications ayant accès à votre compte
settings-apps-none = Aucune application n'a accès à votre compte.
settings-app = Application
settings-app-scopes = Accès
settings-app-used = Dernière utilisation
settings-app-actions = Actions
settings-app-revoke = Retirer l'accès
notice-welcome = Bienvenue ! Votre compte est prêt.
notice-signed-out = Vous êtes déconnecté.
notice-password-changed = Votre mot de passe est changé.
notice-app-revoked = L'application n'a plus accès à votre compte.

## Intendance
steward-title = Outils d'intendance : { $group }
steward-requests = Demandes d'adhésion
steward-requests-none = Personne n'attend.
steward-approve = Approuver
steward-refuse = Refuser
steward-reports = Signalements
steward-reports-none = Aucun signalement.
steward-report-thread = Un fil
steward-report-comment = Un commentaire
steward-report-resolved = Traité
steward-report-resolve = Marquer comme traité
steward-report-reopen = Rouvrir
steward-removed = Contenu retiré
steward-removed-none = Rien n'est retiré.
steward-removed-threads = Fils
steward-removed-comments = Commentaires
steward-members = Membres
steward-member = Membre
steward-joined = Arrivée
steward-member-actions = Actions
steward-role = Intendant
steward-make = Nommer intendant
steward-remove-role = Retirer le rôle d'intendant
steward-remove-member = Retirer
steward-ban = Bannir
steward-settings = Paramètres du groupe
notice-member-approved = Le membre est approuvé.
notice-member-refused = La demande est refusée.
notice-member-removed = Le membre est retiré.
notice-steward-added = Cette personne est maintenant intendante.
notice-steward-removed = Cette personne n'est plus intendante.
notice-banned = Cette personne est bannie du groupe.
notice-unbanned = Le bannissement est levé.
notice-report-resolved = Le signalement est marqué comme traité.
notice-report-reopened = Le signalement est rouvert.

## Administration
admin-title = Administration
admin-site = Cette instance
admin-federation = Fédération
admin-accounts = Comptes
admin-queue = File de livraison
label-site-name = Nom de l'instance
hint-site-description = Une ou deux phrases affichées sur la page d'accueil.
label-site-rules = Règles
hint-site-rules = Une règle par ligne ; elles sont numérotées sur la page À propos.
label-registration = Qui peut créer un compte
registration-open = Tout le monde, aussitôt
registration-approval = Tout le monde, après approbation d'un administrateur
registration-closed = Personne : les administrateurs créent les comptes
label-federation-mode = Fédérer avec
federation-mode-open = Toute instance non bloquée
federation-mode-allowlist = Seulement les instances autorisées
label-allowed = Instances autorisées
label-blocked = Instances bloquées
hint-domains = Un domaine par ligne, comme organisme.example ou organisme.example:8443.
admin-accounts-search = Trouver un compte
admin-accounts-none = Aucun compte ne correspond.
admin-account = Compte
admin-account-state = État
admin-account-actions = Actions
admin-active = Actif
admin-waiting = En attente d'approbation
admin-suspended = Suspendu
admin-suspend = Suspendre
admin-unsuspend = Lever la suspension
admin-make-admin = Nommer administrateur
admin-remove-admin = Retirer le rôle d'administrateur
admin-queue-pending = En attente de livraison
admin-queue-failing = Nouvel essai après un échec
admin-queue-delivered = Livrées
admin-queue-given-up = Abandonnées après 48 heures
admin-queue-hint = Les livraisons vers les autres instances. Beaucoup de nouveaux essais signifient souvent qu'une instance est hors service.
notice-account-approved = Le compte est approuvé.
notice-account-suspended = Le compte est suspendu et déconnecté partout.
notice-account-unsuspended = La suspension est levée.
notice-admin-added = Cette personne est maintenant administratrice.
notice-admin-removed = Cette personne n'est plus administratrice.
admin-dead-instances = Instances qui ne répondent pas
admin-dead-none = Toutes les instances répondent.
admin-dead-since = sans réponse depuis le
admin-dead-hint = Les livraisons vers ces instances attendent qu'un envoi d'essai passe de nouveau.

## Connexion depuis une application
oauth-title = Se connecter à { $site }
oauth-asks = { $app } demande à utiliser votre compte avec ces permissions :
oauth-submit = Autoriser et se connecter
oauth-revoke-hint = Vous pouvez retirer cet accès à tout moment dans les Paramètres, ou en vous déconnectant dans l'application.
oauth-code-title = Votre code de connexion
oauth-code-body = Copiez ce code et collez-le dans { $app } :
oauth-error-title = Cette application ne peut pas se connecter ici
oauth-error-body = L'application a demandé quelque chose que ce serveur ne permet pas. Transmettez ceci à ses auteurs :

## Search
search-site = Chercher sur ce site
search-title = Recherche
search-title-for = Recherche : { $query }
search-label = Mots à chercher
search-hint = Tous les mots doivent figurer. Mettez une expression « entre guillemets » ("…"), -mot pour écarter un mot et mot* pour les mots qui commencent ainsi.
search-submit = Chercher
search-filters = Affiner la recherche
search-kind = Afficher
search-kind-threads = Fils
search-kind-comments = Commentaires
search-kind-groups = Groupes
search-kind-people = Personnes
search-kind-one-threads = Fil
search-kind-one-comments = Commentaire
search-kind-one-groups = Groupe
search-kind-one-people = Personne
search-group = Groupe
search-group-hint = Son nom, ou nom@domaine pour un groupe d’une autre instance.
search-author = Écrit par
search-author-hint = Un nom d’utilisateur, ou nom@domaine pour une personne d’une autre instance.
search-agency = Organisme
search-instance = Instance
search-instance-hint = Un domaine, par exemple autre.example.
search-since = Du
search-until = Au
search-date-hint = Par exemple 2026-11-05.
search-scope = Où chercher
search-scope-network = Cette instance et ses instances partenaires
search-scope-local = Cette instance seulement
search-results = Résultats
search-feed = Suivre cette recherche dans un lecteur de flux (Atom)
search-none = Rien ne correspond à « { $query } ». Essayez moins de mots, d’autres mots ou moins de filtres.
search-from = de { $instance }
search-replies = { $count ->
    [0] Aucune réponse
    [one] { $count } réponse
   *[other] { $count } réponses
}
search-pages = Pages de résultats
search-skipped = Ces instances n’ont pas répondu à temps et ne figurent pas dans les résultats : { $instances }.
search-unknown-group = Aucun groupe ne porte ce nom ici. Vérifiez l’orthographe, ou écrivez nom@domaine.
search-unknown-author = Personne n’a ce nom d’utilisateur ici. Vérifiez l’orthographe, ou écrivez nom@domaine.
invalid-other-q = Saisissez des mots à chercher : 500 caractères au plus, chaque guillemet refermé
invalid-other-kind = Choisissez parmi fils, commentaires, groupes et personnes
invalid-other-since = Saisissez une date comme 2026-11-05
invalid-other-until = Saisissez une date comme 2026-11-05, qui ne précède pas la première
invalid-other-scope = Choisissez cette instance ou le réseau
invalid-other-offset = Il n’y a plus de pages : affinez la recherche
invalid-other-limit = Demandez de 1 à 50 résultats par page
similar-title = Déjà posée ?
similar-hint = Ces fils ressemblent au vôtre. L’un d’eux a peut-être déjà la réponse.
