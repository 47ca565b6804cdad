# Interface messages in English. Every key here must also exist in ../fr/main.ftl (a test
# checks both catalogues against each other and against the templates).

## Layout
skip-to-content = Skip to main content
nav-label = Main
nav-home = Home
nav-groups = Groups
nav-people = People
nav-profile = Your profile
nav-settings = Settings
nav-admin = Administration
nav-sign-in = Sign in
nav-sign-out = Sign out
nav-register = Create an account
footer-software = Runs Commonplace, free software under the
footer-about = About this instance
footer-api = API
breadcrumbs = Breadcrumbs
page-next = Next page
page-previous = Previous page
cancel = Cancel
by = by
edited = edited
language-other = Another language

## Dates
month-1 = January
month-2 = February
month-3 = March
month-4 = April
month-5 = May
month-6 = June
month-7 = July
month-8 = August
month-9 = September
month-10 = October
month-11 = November
month-12 = December
date-format = { $day } { $month } { $year }
time-just-now = just now
time-minutes-ago = { $count ->
    [one] 1 minute ago
   *[other] { $count } minutes ago
}
time-hours-ago = { $count ->
    [one] 1 hour ago
   *[other] { $count } hours ago
}
time-days-ago = { $count ->
    [one] yesterday
   *[other] { $count } days ago
}

## Errors
error-go-home = Go to the home page
error-stale-form-title = This form has expired
error-stale-form-body = The page was open too long, or cookies are blocked. Go back, reload the page and send the form again.
error-forbidden-title = You cannot do that
error-forbidden-body = Your account is not allowed to do this here.
error-not-found-title = Page not found
error-not-found-body = Check the address, or go back to the home page. What was here may have been deleted.
error-method-title = Not available this way
error-method-body = This address does not accept this kind of request.
error-too-large-title = Too large
error-too-large-body = What you sent is larger than this server accepts. Shorten it and try again.
error-rate-limited-title = Too many attempts
error-rate-limited-body = Too many attempts in a short time. Wait a minute and try again.
error-bad-request-title = Something is wrong with the request
error-bad-request-body = The server could not read what was sent. Go back and try again.
error-remote-title = Another server did not answer
error-remote-body = The instance this comes from did not answer in time. Try again later.
error-server-title = Sorry, there is a problem with the service
error-server-body = Try again later. If it goes on, tell the people who run this instance.

## Forms
form-problem = There is a problem
form-error-prefix = Error:
form-error-title-prefix = Error:
invalid-other = Check this field
invalid-empty = Enter something here
invalid-empty-title = Enter a title
invalid-empty-body = Write something
invalid-empty-username = Enter a username
invalid-empty-password = Enter a password
invalid-empty-reason = Say what is wrong
invalid-too-long = Use at most { $max } characters
invalid-name = Use 1 to { $max } lower-case letters, digits and underscores
invalid-one-line = Use one line, without control characters
invalid-password = Use { $min } to { $max } characters
invalid-url = Enter an address that starts with http:// or https://
invalid-tag = A tag has at most { $max } letters, digits, spaces, hyphens or underscores
invalid-too-many-tags = Use at most { $max } tags
invalid-too-many-tags-languages = Use at most { $max } languages
invalid-other-group = No group of that name is known here
invalid-other-expertise = Use a tag with a letter or a digit
invalid-language = Choose a language such as en, fr or fr-CA
invalid-domain = Enter a domain name, such as example.org
invalid-own-domain = This instance's own domain cannot be listed
invalid-too-large = Use at most { $kb } KB
conflict = This is already taken
conflict-name = This name is already taken
conflict-username = This username is already taken
conflict-email = An account already uses this email address
label-title = Title
label-link = Link (optional)
label-body = Text
label-language = Language
label-reason = Reason
label-pinned = Pinned
label-locked = Locked
label-removed = Removed by a steward
hint-title = One line, up to 200 characters.
hint-link = A page this thread is about.
hint-reason = The stewards of the group and the administrators will read it.
markdown-hint = You can use Markdown: **bold**, *italics*, [links](https://example.org), lists.
preview = Preview

## Notices after a form
notice-reply-posted = Your reply is posted.
notice-thread-posted = Your thread is posted.
notice-saved = Saved.
notice-deleted = Deleted.
notice-pinned = The thread is pinned.
notice-unpinned = The thread is no longer pinned.
notice-locked = The thread is locked.
notice-unlocked = The thread is open again.
notice-removed = Removed.
notice-restored = Restored.
notice-reported = Thank you. The stewards will look at your report.
notice-joined = You joined the group.
notice-join-requested = Your request to join is sent. A steward will answer it.
notice-join-sent = Your request to join is sent to the group's instance. You are a member as soon as it answers, at once for an open group.
notice-left = You left the group.
notice-group-created = Your group is ready. You are its steward.

## Home and about
home-title = Welcome
home-feed-title = Your feed
home-feed-empty = Nothing yet: threads from your groups and the people you follow appear here.
home-find-groups = Find groups to join
home-pitch = Communities of practice for public servants, across agencies. Join a group here, or follow it from any other instance.
home-active-groups = Active groups
home-all-groups = All groups
home-numbers = This instance
site-people = { $count ->
    [one] 1 member
   *[other] { $count } members
}
site-groups = { $count ->
    [one] 1 group
   *[other] { $count } groups
}
site-threads = { $count ->
    [one] 1 thread
   *[other] { $count } threads
}
site-comments = { $count ->
    [one] 1 comment
   *[other] { $count } comments
}
about-title = About
about-heading = About { $site }
about-rules = Rules
about-no-rules = This instance has not published rules yet.
about-software = Software
about-version = Commonplace version { $version }
about-federation = Other instances find this one at

## Lists of threads
sort-label = Sort
sort-new = New
sort-active = Active
sort-top = Top
points = { $count ->
    [one] 1 point
   *[other] { $count } points
}
comment-count = { $count ->
    [0] No comments
    [one] 1 comment
   *[other] { $count } comments
}
thread-in-group = in
tag-empty = No threads carry this tag yet.

## A thread
thread-gone-title = Thread deleted
thread-deleted = [deleted]
thread-origin = See it on its own instance
thread-locked = This thread is locked: no new replies.
comments-none = No replies yet.
comments-truncated = This thread has more replies than one page shows; the oldest are shown.
comment-deleted = This comment was deleted.
comment-removed = A steward removed this comment.
vote-up = Upvote
vote-down = Downvote
reply = Reply
reply-to = to { $name }
reply-label = Your reply
reply-thread-label = Reply to this thread
reply-submit = Post reply
reply-title = Reply
reply-answering = Replying to
sign-in-to-reply = Sign in to reply
back-to-thread = Back to the thread
edit = Edit
delete = Delete
report = Report
steward-actions = Steward actions
pin = Pin
unpin = Unpin
lock = Lock
unlock = Unlock
remove = Remove
restore = Restore
compose-title = New thread in { $group }
compose-submit = Post thread
edit-thread-title = Edit thread
edit-comment-title = Edit comment
edit-submit = Save changes
delete-thread-title = Delete this thread?
delete-comment-title = Delete this comment?
delete-submit = Yes, delete
confirm-cannot-undo = This cannot be undone.
report-title = Report to the stewards
report-submit = Send report

## Groups
groups-title = Groups
groups-start = Start a group
groups-search-label = Search groups on this instance
groups-search = Search
groups-none = There are no groups yet.
groups-none-matching = No group matches “{ $query }”.
group-members = { $count ->
    [one] 1 member
   *[other] { $count } members
}
group-threads = { $count ->
    [one] 1 thread
   *[other] { $count } threads
}
group-reach-instances = { $count ->
    [one] members on 1 instance
   *[other] members on { $count } instances
}
group-reach-agencies = { $count ->
    [0] no agency named yet
    [one] 1 agency
   *[other] { $count } agencies
}
group-origin = See it on its own instance
group-new-thread = Start a thread
group-pending = Waiting for a steward
group-pending-remote = Waiting for the group's instance
group-refused = Refused
group-refused-reason = Reason:
group-join-again = Ask again
group-join = Join
group-leave = Leave
group-approval-hint = Stewards approve new members.
group-steward-tools = Steward tools
group-sign-in-to-join = Sign in to join
group-pinned = Pinned
group-threads-title = Threads
group-no-threads = No threads yet. Start the first one.
group-about = About this group
group-guidelines = Guidelines
group-stewards = Stewards
group-since = Since { $date }
group-feed = Feed (Atom)
group-feed-title = { $group }: latest threads
group-new-title = Start a group
group-create = Create the group
label-group-name = Short name
hint-group-name = Lower-case letters, digits and underscores. It is part of the group's address and cannot change.
label-group-title = Title
label-description = Description
label-rules = Guidelines
hint-rules = What belongs here and how members treat each other. Markdown works.
label-approval = Stewards approve each new member
hint-approval = Otherwise anyone can join at once.
find-title = Follow a group from another instance
find-label = Address of the group
find-hint = For example !design@other.example, @design@other.example or the group's web address.
find-submit = Find
find-empty = Enter the address of a group
find-invalid = This is not the address of a group. Write it as !name@domain or paste its web address.
find-not-group = This address is an instance, not a group.
find-not-found = No group was found at “{ $query }”.

## People
person-admin = Administrator
person-expertise = Expertise
person-ask-me-about = Ask me about
person-languages = Languages

## People directory
people-title = People
people-intro = Everyone this instance knows, here and on other instances. Find who already solved it by expertise, agency or group.
people-filter = Filter people
people-instance = Instance
people-group = Group
people-order = Order
people-order-active = Recently active
people-order-new = Newest
people-order-name = By name
people-filter-submit = Filter
people-clear = Show everyone
people-results = People found
people-none = Nobody is known here yet.
people-none-matching = Nobody matches these filters.
people-wrote-about = Wrote about
people-writers = People who wrote about it
person-followers = { $count ->
    [one] 1 follower
   *[other] { $count } followers
}
person-following = { $count ->
    [one] follows 1 person
   *[other] follows { $count } people
}
person-since = member since { $date }
person-origin = See the profile on its own instance
person-edit = Edit your profile
person-follow = Follow
person-unfollow = Unfollow
person-follow-pending = Waiting for their server
person-threads = Threads started
person-no-threads = No threads yet.
person-comments = Recent replies
person-no-comments = No replies yet.
person-comment-in = In
person-groups = Groups
person-no-groups = Not in any group yet.
notice-following = You follow them now.
notice-follow-requested = Your follow is sent; their server will answer it.
notice-unfollowed = You no longer follow them.

## Account
signin-title = Sign in
signin-submit = Sign in
signin-no-account = No account yet?
signin-wrong = The username or password is not right
signin-pending = This account is waiting for an administrator's approval
signin-suspended = This account is suspended
register-title = Create an account
register-submit = Create the account
register-have-account = Already have an account?
register-approval = An administrator approves each new account before it can be used.
register-pending-title = Your account is waiting for approval
register-pending-body = An administrator of this instance will look at it. You can sign in once it is approved.
label-username = Username
hint-username = Lower-case letters, digits and underscores. It cannot change.
label-password = Password
hint-password = At least 8 characters. A few unrelated words make a strong password.
label-display-name = Name shown
hint-display-name = Your name as colleagues know it.
label-agency = Agency
hint-agency = Where you work, so peers across agencies can find you.
label-role = Role
label-expertise = Expertise
hint-expertise = Tags separated by commas, such as accessibility, user research.
label-ask-me-about = Ask me about
hint-ask-me-about = What colleagues may ask you, in plain text (at most 500 characters).
label-languages = Languages
hint-languages = The languages you work in, as tags separated by commas, such as en, fr-CA.
label-bio = About you
label-interface-language = Interface language
label-current-password = Current password
label-new-password = New password
settings-title = Settings
settings-profile = Profile
settings-language-browser = As my browser asks
settings-password = Password
settings-password-submit = Change password
settings-password-note = Changing your password signs out your other browsers and apps.
password-wrong = The current password is not right
settings-apps = Apps with access to your account
settings-apps-none = No app has access to your account.
settings-app = App
settings-app-scopes = Access
settings-app-used = Last used
settings-app-actions = Actions
settings-app-revoke = Revoke access
notice-welcome = Welcome! Your account is ready.
notice-signed-out = You are signed out.
notice-password-changed = Your password is changed.
notice-app-revoked = The app no longer has access to your account.

## Stewards
steward-title = Steward tools: { $group }
steward-requests = Requests to join
steward-requests-none = No one is waiting.
steward-approve = Approve
steward-refuse = Refuse
steward-reports = Reports
steward-reports-none = No reports.
steward-report-thread = A thread
steward-report-comment = A comment
steward-report-resolved = Dealt with
steward-report-resolve = Mark as dealt with
steward-report-reopen = Open again
steward-removed = Removed content
steward-removed-none = Nothing is removed.
steward-removed-threads = Threads
steward-removed-comments = Comments
steward-members = Members
steward-member = Member
steward-joined = Joined
steward-member-actions = Actions
steward-role = Steward
steward-make = Make steward
steward-remove-role = Step down as steward
steward-remove-member = Remove
steward-ban = Ban
steward-settings = Group settings
notice-member-approved = The member is approved.
notice-member-refused = The request is refused.
notice-member-removed = The member is removed.
notice-steward-added = They are a steward now.
notice-steward-removed = They are no longer a steward.
notice-banned = They are banned from the group.
notice-unbanned = The ban is lifted.
notice-report-resolved = The report is marked as dealt with.
notice-report-reopened = The report is open again.

## Administration
admin-title = Administration
admin-site = This instance
admin-federation = Federation
admin-accounts = Accounts
admin-queue = Delivery queue
label-site-name = Name of the instance
hint-site-description = One or two sentences shown on the home page.
label-site-rules = Rules
hint-site-rules = One rule per line; they are shown numbered on the About page.
label-registration = Who can create an account
registration-open = Anyone, at once
registration-approval = Anyone, after an administrator approves
registration-closed = Nobody: administrators create accounts
label-federation-mode = Federate with
federation-mode-open = Every instance not blocked
federation-mode-allowlist = Only the allowed instances
label-allowed = Allowed instances
label-blocked = Blocked instances
hint-domains = One domain per line, such as agency.example or agency.example:8443.
admin-accounts-search = Find an account
admin-accounts-none = No accounts match.
admin-account = Account
admin-account-state = State
admin-account-actions = Actions
admin-active = Active
admin-waiting = Waiting for approval
admin-suspended = Suspended
admin-suspend = Suspend
admin-unsuspend = Lift suspension
admin-make-admin = Make administrator
admin-remove-admin = Remove administrator
admin-queue-pending = Waiting to be delivered
admin-queue-failing = Retrying after a failure
admin-queue-delivered = Delivered
admin-queue-given-up = Given up after 48 hours
admin-queue-hint = Deliveries to other instances. Many retries usually mean an instance is down.
notice-account-approved = The account is approved.
notice-account-suspended = The account is suspended and signed out everywhere.
notice-account-unsuspended = The suspension is lifted.
notice-admin-added = They are an administrator now.
notice-admin-removed = They are no longer an administrator.
admin-dead-instances = Instances not answering
admin-dead-none = Every instance answers.
admin-dead-since = no answer since
admin-dead-hint = Deliveries to these wait until a trial delivery gets through again.

## Signing in from an app
oauth-title = Sign in to { $site }
oauth-asks = { $app } asks to use your account with these permissions:
oauth-submit = Allow and sign in
oauth-revoke-hint = You can take this access back at any time under Settings, or by signing out in the app.
oauth-code-title = Your sign-in code
oauth-code-body = Copy this code and paste it into { $app }:
oauth-error-title = This app cannot sign in here
oauth-error-body = The app asked for something this server does not allow. Tell the app's makers what follows:

## Search
search-site = Search this site
search-title = Search
search-title-for = Search: { $query }
search-label = Words to look for
search-hint = All words must appear. Use "quotation marks" for a phrase, -word to leave a word out and word* for words that start with it.
search-submit = Search
search-filters = Narrow the search
search-kind = Show
search-kind-threads = Threads
search-kind-comments = Comments
search-kind-groups = Groups
search-kind-people = People
search-kind-one-threads = Thread
search-kind-one-comments = Comment
search-kind-one-groups = Group
search-kind-one-people = Person
search-group = Group
search-group-hint = Its name, or name@domain for a group of another instance.
search-author = Written by
search-author-hint = A username, or name@domain for someone from another instance.
search-agency = Agency
search-instance = Instance
search-instance-hint = A domain, such as other.example.
search-since = From
search-until = To
search-date-hint = For example 2026-11-05.
search-scope = Where to look
search-scope-network = This instance and its partner instances
search-scope-local = This instance only
search-results = Results
search-feed = Follow this search in a feed reader (Atom)
search-none = Nothing matches “{ $query }”. Try fewer or other words, or fewer filters.
search-from = from { $instance }
search-replies = { $count ->
    [0] No replies
    [one] 1 reply
   *[other] { $count } replies
}
search-pages = Pages of results
search-skipped = These instances did not answer in time and are not in the results: { $instances }.
search-unknown-group = No group has this name here. Check its spelling, or write it as name@domain.
search-unknown-author = Nobody has this username here. Check its spelling, or write it as name@domain.
invalid-other-q = Enter words to look for: at most 500 characters, with every quotation mark closed
invalid-other-kind = Choose among threads, comments, groups and people
invalid-other-since = Enter a date such as 2026-11-05
invalid-other-until = Enter a date such as 2026-11-05, no earlier than the first date
invalid-other-scope = Choose this instance or the network
invalid-other-offset = There are no more pages: refine the search
invalid-other-limit = Ask for 1 to 50 results a page
similar-title = Already asked?
similar-hint = These threads look like yours. One of them may already have the answer.
