<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="ru" sourcelanguage="en">
<context>
    <name>AddPeopleDialog</name>
    <message>
        <location filename="../views/group_dialogs.py" line="193"/>
        <source>Add people</source>
        <translation>Добавить людей</translation>
    </message>
    <message>
        <location filename="../views/group_dialogs.py" line="194"/>
        <source>Add</source>
        <translation>Добавить</translation>
    </message>
</context>
<context>
    <name>Application</name>
    <message>
        <location filename="../application.py" line="171"/>
        <location filename="../application.py" line="236"/>
        <source>Starting the local servers…</source>
        <translation>Запуск локальных серверов…</translation>
    </message>
    <message>
        <location filename="../application.py" line="186"/>
        <source>Signing you in…</source>
        <translation>Выполняется вход…</translation>
    </message>
    <message>
        <location filename="../application.py" line="192"/>
        <source>Please sign in again.</source>
        <translation>Войдите снова.</translation>
    </message>
    <message>
        <location filename="../application.py" line="262"/>
        <source>Something went wrong while signing in. Please try again.</source>
        <translation>При входе что-то пошло не так. Попробуйте ещё раз.</translation>
    </message>
    <message>
        <location filename="../application.py" line="350"/>
        <source>built-in local servers</source>
        <translation>встроенные серверы</translation>
    </message>
    <message>
        <location filename="../application.py" line="464"/>
        <source>The local servers stopped. Restarting them…</source>
        <translation>Локальные серверы остановились. Перезапускаю их…</translation>
    </message>
    <message>
        <location filename="../application.py" line="475"/>
        <source>Waiting for the local servers, which another program started…</source>
        <translation>Жду локальные серверы, которые запустила другая программа…</translation>
    </message>
    <message>
        <location filename="../application.py" line="518"/>
        <source>You are no longer a member of this group</source>
        <translation>Вы больше не участник этой группы</translation>
    </message>
    <message>
        <location filename="../application.py" line="614"/>
        <source>Firebase project file</source>
        <translation>Файл проекта Firebase</translation>
    </message>
    <message>
        <location filename="../application.py" line="614"/>
        <source>JSON files (*.json)</source>
        <translation>Файлы JSON (*.json)</translation>
    </message>
    <message>
        <location filename="../application.py" line="622"/>
        <location filename="../application.py" line="626"/>
        <location filename="../application.py" line="636"/>
        <source>Firebase project</source>
        <translation>Проект Firebase</translation>
    </message>
    <message>
        <location filename="../application.py" line="627"/>
        <source>Messenger will use the project {0} from the next start.</source>
        <translation>Messenger будет использовать проект {0} со следующего запуска.</translation>
    </message>
    <message>
        <location filename="../application.py" line="637"/>
        <source>Messenger will use the built-in local servers from the next start.</source>
        <translation>Messenger будет использовать встроенные локальные серверы со следующего запуска.</translation>
    </message>
</context>
<context>
    <name>AttachmentController</name>
    <message>
        <location filename="../attachments/controller.py" line="73"/>
        <source>Attach pictures or files (or drop them here, or paste a picture)</source>
        <translation>Прикрепить фото или файлы (или перетащите их сюда, или вставьте картинку)</translation>
    </message>
    <message>
        <location filename="../attachments/controller.py" line="98"/>
        <source>Attach files</source>
        <translation>Прикрепить файлы</translation>
    </message>
    <message>
        <location filename="../attachments/controller.py" line="112"/>
        <source>At most {0} files at once.</source>
        <translation>Не больше {0} файлов за раз.</translation>
    </message>
    <message>
        <location filename="../attachments/controller.py" line="148"/>
        <source>Could not forward the file: {0}</source>
        <translation>Не удалось переслать файл: {0}</translation>
    </message>
    <message>
        <location filename="../attachments/controller.py" line="157"/>
        <source>The pasted picture could not be read.</source>
        <translation>Не удалось прочитать вставленную картинку.</translation>
    </message>
    <message>
        <location filename="../attachments/controller.py" line="159"/>
        <source>Pasted picture</source>
        <translation>Вставленная картинка</translation>
    </message>
    <message>
        <location filename="../attachments/controller.py" line="258"/>
        <source>Cancel upload</source>
        <translation>Отменить загрузку</translation>
    </message>
    <message>
        <location filename="../attachments/controller.py" line="263"/>
        <source>View picture</source>
        <translation>Посмотреть фото</translation>
    </message>
    <message>
        <location filename="../attachments/controller.py" line="263"/>
        <source>Open file</source>
        <translation>Открыть файл</translation>
    </message>
    <message>
        <location filename="../attachments/controller.py" line="265"/>
        <source>Save as…</source>
        <translation>Сохранить как…</translation>
    </message>
    <message>
        <location filename="../attachments/controller.py" line="293"/>
        <source>Save file</source>
        <translation>Сохранить файл</translation>
    </message>
    <message>
        <location filename="../attachments/controller.py" line="311"/>
        <source>Could not save “{0}”: {1}</source>
        <translation>Не удалось сохранить «{0}»: {1}</translation>
    </message>
</context>
<context>
    <name>Attachments</name>
    <message>
        <location filename="../attachments/avatars.py" line="54"/>
        <source>“{0}” is not a picture that can be used.</source>
        <translation>«{0}» — не картинка, которую можно использовать.</translation>
    </message>
    <message>
        <location filename="../attachments/bubble_part.py" line="74"/>
        <source>Open</source>
        <translation>Открыть</translation>
    </message>
    <message>
        <location filename="../attachments/bubble_part.py" line="78"/>
        <source>Save…</source>
        <translation>Сохранить…</translation>
    </message>
    <message>
        <location filename="../attachments/bubble_part.py" line="141"/>
        <location filename="../attachments/bubble_part.py" line="171"/>
        <source>File no longer available</source>
        <translation>Файл больше недоступен</translation>
    </message>
    <message>
        <location filename="../attachments/bubble_part.py" line="145"/>
        <location filename="../attachments/profile_picture.py" line="72"/>
        <source>Loading picture…</source>
        <translation>Загрузка картинки…</translation>
    </message>
    <message>
        <location filename="../attachments/bubble_part.py" line="214"/>
        <source>Upload failed · click to retry</source>
        <translation>Не отправлено · нажмите, чтобы повторить</translation>
    </message>
    <message>
        <location filename="../attachments/prepare.py" line="57"/>
        <source>“{0}” is {1}; files can be at most {2}.</source>
        <translation>«{0}» весит {1}; файл может быть не больше {2}.</translation>
    </message>
    <message>
        <location filename="../attachments/prepare.py" line="61"/>
        <source>“{0}” cannot be sent: web pages, SVG and script files are refused.</source>
        <translation>«{0}» нельзя отправить: веб-страницы, SVG и скрипты не принимаются.</translation>
    </message>
    <message>
        <location filename="../attachments/forwarding.py" line="44"/>
        <source>“{0}” is not on this device yet and the server cannot be reached: forward it again when you are online.</source>
        <translation>«{0}» ещё не загружен на это устройство, а сервер недоступен: перешлите его снова, когда будете в сети.</translation>
    </message>
    <message>
        <location filename="../attachments/forwarding.py" line="56"/>
        <location filename="../attachments/prepare.py" line="72"/>
        <location filename="../attachments/prepare.py" line="89"/>
        <source>Could not read “{0}”: {1}</source>
        <translation>Не удалось прочитать «{0}»: {1}</translation>
    </message>
    <message>
        <location filename="../attachments/prepare.py" line="75"/>
        <source>“{0}” is not a file.</source>
        <translation>«{0}» — не файл.</translation>
    </message>
    <message>
        <location filename="../attachments/profile_picture.py" line="62"/>
        <source>Uploading…</source>
        <translation>Загрузка…</translation>
    </message>
    <message>
        <location filename="../attachments/storage_api.py" line="37"/>
        <source>This file is no longer available.</source>
        <translation>Этот файл больше недоступен.</translation>
    </message>
    <message>
        <location filename="../attachments/storage_api.py" line="158"/>
        <source>The server refused this file (too large, or a type it does not accept).</source>
        <translation>Сервер не принял этот файл (слишком большой или недопустимого типа).</translation>
    </message>
    <message>
        <location filename="../attachments/storage_api.py" line="161"/>
        <source>You may not open this file.</source>
        <translation>У вас нет доступа к этому файлу.</translation>
    </message>
    <message>
        <location filename="../attachments/uploads.py" line="230"/>
        <source>This file could not be sent.</source>
        <translation>Этот файл не удалось отправить.</translation>
    </message>
</context>
<context>
    <name>Bubble</name>
    <message>
        <location filename="../views/bubble_parts.py" line="110"/>
        <source>Forwarded from {0}</source>
        <translation>Переслано от {0}</translation>
    </message>
    <message>
        <location filename="../views/bubble_parts.py" line="146"/>
        <source>Show less</source>
        <translation>Свернуть</translation>
    </message>
    <message>
        <location filename="../views/bubble_parts.py" line="147"/>
        <source>Show more</source>
        <translation>Показать полностью</translation>
    </message>
    <message>
        <location filename="../views/bubble_parts.py" line="199"/>
        <source>deleted message</source>
        <translation>удалённое сообщение</translation>
    </message>
</context>
<context>
    <name>BubbleDelegate</name>
    <message>
        <location filename="../views/bubble_delegate.py" line="119"/>
        <source>Not sent · right-click to retry</source>
        <translation>Не отправлено · правый клик, чтобы повторить</translation>
    </message>
    <message>
        <location filename="../views/bubble_delegate.py" line="121"/>
        <source>sending…</source>
        <translation>отправка…</translation>
    </message>
    <message>
        <location filename="../views/bubble_delegate.py" line="123"/>
        <source>edited {0}</source>
        <translation>изменено {0}</translation>
    </message>
    <message>
        <location filename="../views/bubble_delegate.py" line="190"/>
        <source>Unread messages</source>
        <translation>Непрочитанные сообщения</translation>
    </message>
</context>
<context>
    <name>ChatListDelegate</name>
    <message>
        <location filename="../views/chat_list_delegate.py" line="110"/>
        <source>You: </source>
        <translation>Вы: </translation>
    </message>
    <message>
        <location filename="../views/chat_list_delegate.py" line="122"/>
        <source>Draft: </source>
        <translation>Черновик: </translation>
    </message>
</context>
<context>
    <name>ChatSearchBar</name>
    <message>
        <location filename="../views/search_bar.py" line="54"/>
        <source>Search in this chat</source>
        <translation>Поиск в этом чате</translation>
    </message>
    <message>
        <location filename="../views/search_bar.py" line="55"/>
        <source>Newer match (Shift+Enter)</source>
        <translation>Более новое совпадение (Shift+Enter)</translation>
    </message>
    <message>
        <location filename="../views/search_bar.py" line="56"/>
        <source>Older match (Enter)</source>
        <translation>Более старое совпадение (Enter)</translation>
    </message>
    <message>
        <location filename="../views/search_bar.py" line="57"/>
        <source>Close the search (Esc)</source>
        <translation>Закрыть поиск (Esc)</translation>
    </message>
    <message>
        <location filename="../views/search_bar.py" line="69"/>
        <source>No results</source>
        <translation>Ничего не найдено</translation>
    </message>
    <message>
        <location filename="../views/search_bar.py" line="72"/>
        <source>{0} of {1}</source>
        <translation>{0} из {1}</translation>
    </message>
</context>
<context>
    <name>ChatView</name>
    <message>
        <location filename="../views/chat_view.py" line="373"/>
        <location filename="../views/chat_view.py" line="671"/>
        <source>Send</source>
        <translation>Отправить</translation>
    </message>
    <message>
        <location filename="../views/chat_view.py" line="373"/>
        <location filename="../views/chat_view.py" line="671"/>
        <source>Save</source>
        <translation>Сохранить</translation>
    </message>
    <message>
        <location filename="../views/chat_view.py" line="374"/>
        <source>Emoji</source>
        <translation>Эмодзи</translation>
    </message>
    <message>
        <location filename="../views/chat_view.py" line="375"/>
        <source>Members</source>
        <translation>Участники</translation>
    </message>
    <message>
        <location filename="../views/chat_view.py" line="377"/>
        <source>Write a message…</source>
        <translation>Напишите сообщение…</translation>
    </message>
    <message>
        <location filename="../views/chat_view.py" line="378"/>
        <source>Enter sends, Shift+Enter adds a line</source>
        <translation>Enter — отправить, Shift+Enter — новая строка</translation>
    </message>
    <message>
        <location filename="../views/chat_view.py" line="379"/>
        <source>No messages yet. Say hello!</source>
        <translation>Сообщений пока нет. Поздоровайтесь!</translation>
    </message>
    <message>
        <location filename="../views/chat_view.py" line="456"/>
        <source>You</source>
        <translation>Вы</translation>
    </message>
    <message>
        <location filename="../views/chat_view.py" line="675"/>
        <source>A message can have at most {0} characters; this one has {1}.</source>
        <translation>В сообщении может быть не больше {0} символов, а в этом {1}.</translation>
    </message>
    <message>
        <location filename="../views/chat_view.py" line="716"/>
        <source>Delete message</source>
        <translation>Удалить сообщение</translation>
    </message>
    <message>
        <location filename="../views/chat_view.py" line="717"/>
        <source>Delete this message for everyone in the chat?</source>
        <translation>Удалить это сообщение у всех участников чата?</translation>
    </message>
    <message>
        <location filename="../views/chat_view.py" line="735"/>
        <source>Could not delete the message: {0}</source>
        <translation>Не удалось удалить сообщение: {0}</translation>
    </message>
</context>
<context>
    <name>ComposeBar</name>
    <message>
        <location filename="../views/compose_bar.py" line="41"/>
        <source>Cancel (Esc)</source>
        <translation>Отмена (Esc)</translation>
    </message>
</context>
<context>
    <name>Dates</name>
    <message>
        <location filename="../views/text.py" line="148"/>
        <source>Today</source>
        <translation>Сегодня</translation>
    </message>
    <message>
        <location filename="../views/text.py" line="150"/>
        <source>Yesterday</source>
        <translation>Вчера</translation>
    </message>
</context>
<context>
    <name>Emulator</name>
    <message>
        <location filename="../firebase/emulator.py" line="121"/>
        <source>Some of the local server ports ({0}) are taken by another program, so the built-in servers cannot start. Close that program, or point Messenger at a Firebase project in the settings.</source>
        <translation>Некоторые порты локального сервера ({0}) заняты другой программой, поэтому встроенные серверы не могут запуститься. Закройте эту программу или подключите Messenger к проекту Firebase в настройках.</translation>
    </message>
    <message>
        <location filename="../firebase/emulator.py" line="129"/>
        <source>The built-in servers&apos; firebase.json was not found. Start Messenger from its folder, or point it at a Firebase project with --config.</source>
        <translation>Не найден firebase.json встроенных серверов. Запустите Messenger из его папки или укажите проект Firebase через --config.</translation>
    </message>
    <message>
        <location filename="../firebase/emulator.py" line="220"/>
        <source>The built-in servers stopped while starting: {0}</source>
        <translation>Встроенные серверы остановились при запуске: {0}</translation>
    </message>
    <message>
        <location filename="../firebase/emulator.py" line="225"/>
        <source>The built-in servers did not start within {0} seconds.</source>
        <translation>Встроенные серверы не запустились за {0} с.</translation>
    </message>
    <message>
        <location filename="../firebase/emulator.py" line="231"/>
        <location filename="../firebase/emulator.py" line="233"/>
        <source>no output</source>
        <translation>нет вывода</translation>
    </message>
</context>
<context>
    <name>Errors</name>
    <message>
        <location filename="../errors.py" line="25"/>
        <source>Can&apos;t reach the server. Check your connection and try again.</source>
        <translation>Нет связи с сервером. Проверьте подключение и повторите.</translation>
    </message>
    <message>
        <location filename="../errors.py" line="39"/>
        <source>Your session has ended. Please sign in again.</source>
        <translation>Сеанс завершён. Войдите снова.</translation>
    </message>
    <message>
        <location filename="../errors.py" line="44"/>
        <source>The server refused this change.</source>
        <translation>Сервер отклонил это изменение.</translation>
    </message>
    <message>
        <location filename="../errors.py" line="48"/>
        <source>The server had a problem (error {0}). Try again in a moment.</source>
        <translation>На сервере произошла ошибка ({0}). Попробуйте чуть позже.</translation>
    </message>
    <message>
        <location filename="../firebase/api.py" line="57"/>
        <source>The sign-in service was not found at {0}.</source>
        <translation>Служба входа не найдена по адресу {0}.</translation>
    </message>
    <message>
        <location filename="../firebase/api.py" line="61"/>
        <location filename="../firebase/groups_api.py" line="34"/>
        <source>The server sent an answer this app does not understand.</source>
        <translation>Сервер прислал ответ, который приложение не понимает.</translation>
    </message>
</context>
<context>
    <name>ForwardDialog</name>
    <message>
        <location filename="../views/forward_dialog.py" line="23"/>
        <source>Forward message</source>
        <translation>Переслать сообщение</translation>
    </message>
    <message>
        <location filename="../views/forward_dialog.py" line="29"/>
        <source>Search chats</source>
        <translation>Поиск чатов</translation>
    </message>
    <message>
        <location filename="../views/forward_dialog.py" line="43"/>
        <source>Forward</source>
        <translation>Переслать</translation>
    </message>
</context>
<context>
    <name>Group</name>
    <message>
        <location filename="../models/group.py" line="53"/>
        <source>1 member</source>
        <translation>1 участник</translation>
    </message>
    <message>
        <location filename="../models/group.py" line="59"/>
        <source>owner</source>
        <translation>владелец</translation>
    </message>
    <message>
        <location filename="../models/group.py" line="61"/>
        <source>admin</source>
        <translation>админ</translation>
    </message>
    <message>
        <location filename="../models/group.py" line="91"/>
        <source>{0} and {1}</source>
        <translation>{0} и {1}</translation>
    </message>
    <message>
        <location filename="../models/group.py" line="99"/>
        <source>{0} created the group “{1}”</source>
        <translation>{0} создаёт группу «{1}»</translation>
    </message>
    <message>
        <location filename="../models/group.py" line="101"/>
        <source>{0} added {1}</source>
        <translation>{0} добавляет: {1}</translation>
    </message>
    <message>
        <location filename="../models/group.py" line="103"/>
        <source>{0} removed {1}</source>
        <translation>{0} удаляет из группы: {1}</translation>
    </message>
    <message>
        <location filename="../models/group.py" line="105"/>
        <source>{0} left the group</source>
        <translation>{0} покидает группу</translation>
    </message>
    <message>
        <location filename="../models/group.py" line="107"/>
        <source>{0} renamed the group to “{1}”</source>
        <translation>{0} переименовывает группу в «{1}»</translation>
    </message>
    <message>
        <location filename="../models/group.py" line="109"/>
        <source>{0} made {1} an admin</source>
        <translation>{0} назначает администратора: {1}</translation>
    </message>
    <message>
        <location filename="../models/group.py" line="111"/>
        <source>{0} removed {1} from admins</source>
        <translation>{0} снимает права администратора: {1}</translation>
    </message>
    <message>
        <location filename="../models/group.py" line="113"/>
        <source>{0} is now the owner</source>
        <translation>{0} теперь владелец группы</translation>
    </message>
</context>
<context>
    <name>GroupActions</name>
    <message>
        <location filename="../group_actions.py" line="73"/>
        <source>Something went wrong. Please try again.</source>
        <translation>Что-то пошло не так. Попробуйте ещё раз.</translation>
    </message>
</context>
<context>
    <name>LoginPage</name>
    <message>
        <location filename="../views/login.py" line="150"/>
        <source>Welcome back</source>
        <translation>С возвращением</translation>
    </message>
    <message>
        <location filename="../views/login.py" line="150"/>
        <source>Create your account</source>
        <translation>Создайте аккаунт</translation>
    </message>
    <message>
        <location filename="../views/login.py" line="152"/>
        <source>Sign in with your email and password.</source>
        <translation>Войдите с помощью адреса почты и пароля.</translation>
    </message>
    <message>
        <location filename="../views/login.py" line="154"/>
        <source>Choose an email and a password to start chatting.</source>
        <translation>Укажите адрес почты и пароль, чтобы начать общение.</translation>
    </message>
    <message>
        <location filename="../views/login.py" line="156"/>
        <source>Email</source>
        <translation>Электронная почта</translation>
    </message>
    <message>
        <location filename="../views/login.py" line="157"/>
        <source>Your name (optional)</source>
        <translation>Ваше имя (необязательно)</translation>
    </message>
    <message>
        <location filename="../views/login.py" line="158"/>
        <source>How others see you</source>
        <translation>Как вас увидят другие</translation>
    </message>
    <message>
        <location filename="../views/login.py" line="161"/>
        <source>Password</source>
        <translation>Пароль</translation>
    </message>
    <message>
        <location filename="../views/login.py" line="162"/>
        <source>you@example.com</source>
        <translation>you@example.com</translation>
    </message>
    <message>
        <location filename="../views/login.py" line="164"/>
        <source>Your password</source>
        <translation>Ваш пароль</translation>
    </message>
    <message>
        <location filename="../views/login.py" line="164"/>
        <source>At least 8 characters</source>
        <translation>Не меньше 8 символов</translation>
    </message>
    <message>
        <location filename="../views/login.py" line="166"/>
        <source>Hide</source>
        <translation>Скрыть</translation>
    </message>
    <message>
        <location filename="../views/login.py" line="166"/>
        <source>Show</source>
        <translation>Показать</translation>
    </message>
    <message>
        <location filename="../views/login.py" line="167"/>
        <source>Show or hide the password</source>
        <translation>Показать или скрыть пароль</translation>
    </message>
    <message>
        <location filename="../views/login.py" line="168"/>
        <source>Stay signed in</source>
        <translation>Оставаться в системе</translation>
    </message>
    <message>
        <location filename="../views/login.py" line="169"/>
        <source>Retry</source>
        <translation>Повторить</translation>
    </message>
    <message>
        <location filename="../views/login.py" line="171"/>
        <source>Signing in…</source>
        <translation>Вход…</translation>
    </message>
    <message>
        <location filename="../views/login.py" line="171"/>
        <source>Creating account…</source>
        <translation>Создание аккаунта…</translation>
    </message>
    <message>
        <location filename="../views/login.py" line="173"/>
        <location filename="../views/login.py" line="177"/>
        <source>Sign in</source>
        <translation>Войти</translation>
    </message>
    <message>
        <location filename="../views/login.py" line="173"/>
        <source>Create account</source>
        <translation>Создать аккаунт</translation>
    </message>
    <message>
        <location filename="../views/login.py" line="175"/>
        <source>No account yet?</source>
        <translation>Ещё нет аккаунта?</translation>
    </message>
    <message>
        <location filename="../views/login.py" line="175"/>
        <source>Already have an account?</source>
        <translation>Уже есть аккаунт?</translation>
    </message>
    <message>
        <location filename="../views/login.py" line="177"/>
        <source>Create one</source>
        <translation>Создать</translation>
    </message>
    <message>
        <location filename="../views/login.py" line="228"/>
        <source>Enter your email address, like name@example.com.</source>
        <translation>Введите адрес почты, например name@example.com.</translation>
    </message>
    <message>
        <location filename="../views/login.py" line="232"/>
        <source>Enter your password.</source>
        <translation>Введите пароль.</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../views/main_window.py" line="165"/>
        <source>Messenger</source>
        <translation>Messenger</translation>
    </message>
</context>
<context>
    <name>MembersDialog</name>
    <message>
        <location filename="../views/group_dialogs.py" line="281"/>
        <source>Group members</source>
        <translation>Участники группы</translation>
    </message>
    <message>
        <location filename="../views/group_dialogs.py" line="282"/>
        <source>Rename</source>
        <translation>Переименовать</translation>
    </message>
    <message>
        <location filename="../views/group_dialogs.py" line="283"/>
        <source>Set picture…</source>
        <translation>Выбрать картинку…</translation>
    </message>
    <message>
        <location filename="../views/group_dialogs.py" line="284"/>
        <source>Add people…</source>
        <translation>Добавить людей…</translation>
    </message>
    <message>
        <location filename="../views/group_dialogs.py" line="285"/>
        <source>Remove</source>
        <translation>Удалить</translation>
    </message>
    <message>
        <location filename="../views/group_dialogs.py" line="286"/>
        <location filename="../views/group_dialogs.py" line="377"/>
        <source>Leave group</source>
        <translation>Покинуть группу</translation>
    </message>
    <message>
        <location filename="../views/group_dialogs.py" line="287"/>
        <source>Close</source>
        <translation>Закрыть</translation>
    </message>
    <message>
        <location filename="../views/group_dialogs.py" line="318"/>
        <source>(you)</source>
        <translation>(вы)</translation>
    </message>
    <message>
        <location filename="../views/group_dialogs.py" line="347"/>
        <source>Remove admin</source>
        <translation>Снять администратора</translation>
    </message>
    <message>
        <location filename="../views/group_dialogs.py" line="347"/>
        <source>Make admin</source>
        <translation>Сделать администратором</translation>
    </message>
    <message>
        <location filename="../views/group_dialogs.py" line="355"/>
        <source>Group picture</source>
        <translation>Картинка группы</translation>
    </message>
    <message>
        <location filename="../views/group_dialogs.py" line="357"/>
        <source>Pictures (*.png *.jpg *.jpeg *.gif *.webp *.bmp)</source>
        <translation>Картинки (*.png *.jpg *.jpeg *.gif *.webp *.bmp)</translation>
    </message>
    <message>
        <location filename="../views/group_dialogs.py" line="378"/>
        <source>Leave this group? You will no longer see its messages.</source>
        <translation>Покинуть эту группу? Вы больше не увидите её сообщений.</translation>
    </message>
</context>
<context>
    <name>MessageActions</name>
    <message>
        <location filename="../views/message_actions.py" line="73"/>
        <source>Reply</source>
        <translation>Ответить</translation>
    </message>
    <message>
        <location filename="../views/message_actions.py" line="75"/>
        <source>Edit</source>
        <translation>Изменить</translation>
    </message>
    <message>
        <location filename="../views/message_actions.py" line="76"/>
        <source>Forward…</source>
        <translation>Переслать…</translation>
    </message>
    <message>
        <location filename="../views/message_actions.py" line="78"/>
        <source>React</source>
        <translation>Реакция</translation>
    </message>
    <message>
        <location filename="../views/message_actions.py" line="85"/>
        <source>Copy text</source>
        <translation>Копировать текст</translation>
    </message>
    <message>
        <location filename="../views/message_actions.py" line="88"/>
        <source>Try sending again</source>
        <translation>Отправить ещё раз</translation>
    </message>
    <message>
        <location filename="../views/message_actions.py" line="90"/>
        <source>Delete for me</source>
        <translation>Удалить у меня</translation>
    </message>
    <message>
        <location filename="../views/message_actions.py" line="93"/>
        <source>Delete for everyone</source>
        <translation>Удалить у всех</translation>
    </message>
    <message>
        <location filename="../views/message_actions.py" line="107"/>
        <source>Reply to {0}</source>
        <translation>Ответ {0}</translation>
    </message>
    <message>
        <location filename="../views/message_actions.py" line="114"/>
        <source>Edit message</source>
        <translation>Изменение сообщения</translation>
    </message>
    <message>
        <location filename="../views/message_actions.py" line="172"/>
        <source>Could not edit the message: {0}</source>
        <translation>Не удалось изменить сообщение: {0}</translation>
    </message>
    <message>
        <location filename="../views/message_actions.py" line="191"/>
        <source>Could not react: {0}</source>
        <translation>Не удалось поставить реакцию: {0}</translation>
    </message>
    <message>
        <location filename="../views/message_actions.py" line="202"/>
        <source>Could not delete the message: {0}</source>
        <translation>Не удалось удалить сообщение: {0}</translation>
    </message>
    <message>
        <location filename="../views/message_actions.py" line="277"/>
        <source>The original message was deleted.</source>
        <translation>Исходное сообщение удалено.</translation>
    </message>
</context>
<context>
    <name>MessageResults</name>
    <message>
        <location filename="../views/search_results.py" line="179"/>
        <source>Messages</source>
        <translation>Сообщения</translation>
    </message>
    <message>
        <location filename="../views/search_results.py" line="180"/>
        <source>No messages found on this device.</source>
        <translation>На этом устройстве таких сообщений нет.</translation>
    </message>
</context>
<context>
    <name>MessengerPage</name>
    <message>
        <location filename="../views/main_window.py" line="60"/>
        <location filename="../views/main_window.py" line="91"/>
        <source>Choose a person on the left to start chatting.</source>
        <translation>Выберите собеседника слева, чтобы начать общение.</translation>
    </message>
    <message>
        <location filename="../views/main_window.py" line="62"/>
        <source>Connecting… Messages you send now are delivered when the connection is back.</source>
        <translation>Подключение… Сообщения, отправленные сейчас, будут доставлены, когда связь восстановится.</translation>
    </message>
</context>
<context>
    <name>NewGroupDialog</name>
    <message>
        <location filename="../views/group_dialogs.py" line="148"/>
        <source>New group</source>
        <translation>Новая группа</translation>
    </message>
    <message>
        <location filename="../views/group_dialogs.py" line="149"/>
        <source>Group name</source>
        <translation>Название группы</translation>
    </message>
    <message>
        <location filename="../views/group_dialogs.py" line="150"/>
        <source>Create</source>
        <translation>Создать</translation>
    </message>
    <message numerus="yes">
        <location filename="../views/group_dialogs.py" line="160"/>
        <source>Members (%n chosen)</source>
        <translation>
            <numerusform>Участники (выбран %n)</numerusform>
            <numerusform>Участники (выбрано %n)</numerusform>
            <numerusform>Участники (выбрано %n)</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../views/group_dialogs.py" line="163"/>
        <source>A group has at most {0} members.</source>
        <translation>В группе может быть не больше {0} участников.</translation>
    </message>
</context>
<context>
    <name>Notifier</name>
    <message numerus="yes">
        <location filename="../notifications.py" line="95"/>
        <source>Messenger — %n unread</source>
        <translation>
            <numerusform>Messenger — %n непрочитанное</numerusform>
            <numerusform>Messenger — %n непрочитанных</numerusform>
            <numerusform>Messenger — %n непрочитанных</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Outbox</name>
    <message>
        <location filename="../outbox.py" line="174"/>
        <source>The server refused this message.</source>
        <translation>Сервер отклонил это сообщение.</translation>
    </message>
    <message>
        <location filename="../outbox.py" line="180"/>
        <source>This message could not be sent.</source>
        <translation>Не удалось отправить сообщение.</translation>
    </message>
</context>
<context>
    <name>PeoplePicker</name>
    <message>
        <location filename="../views/group_dialogs.py" line="68"/>
        <source>Search people</source>
        <translation>Поиск людей</translation>
    </message>
</context>
<context>
    <name>PictureViewer</name>
    <message>
        <location filename="../attachments/viewer.py" line="51"/>
        <source>Loading…</source>
        <translation>Загрузка…</translation>
    </message>
    <message>
        <location filename="../attachments/viewer.py" line="68"/>
        <source>This picture cannot be shown.</source>
        <translation>Эту картинку нельзя показать.</translation>
    </message>
</context>
<context>
    <name>Plurals</name>
    <message numerus="yes">
        <location filename="../models/plurals.py" line="16"/>
        <source>%n people are typing…</source>
        <translation>
            <numerusform>%n человек печатает…</numerusform>
            <numerusform>%n человека печатают…</numerusform>
            <numerusform>%n человек печатают…</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../models/plurals.py" line="19"/>
        <source>%n members</source>
        <translation>
            <numerusform>%n участник</numerusform>
            <numerusform>%n участника</numerusform>
            <numerusform>%n участников</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../models/plurals.py" line="22"/>
        <source>read by %n</source>
        <translation>
            <numerusform>прочитали: %n</numerusform>
            <numerusform>прочитали: %n</numerusform>
            <numerusform>прочитали: %n</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../models/plurals.py" line="25"/>
        <source>last seen %n min ago</source>
        <translation>
            <numerusform>был(а) %n минуту назад</numerusform>
            <numerusform>был(а) %n минуты назад</numerusform>
            <numerusform>был(а) %n минут назад</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../models/plurals.py" line="28"/>
        <source>last seen %n h ago</source>
        <translation>
            <numerusform>был(а) %n час назад</numerusform>
            <numerusform>был(а) %n часа назад</numerusform>
            <numerusform>был(а) %n часов назад</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../models/plurals.py" line="31"/>
        <source>last seen %n day(s) ago</source>
        <translation>
            <numerusform>был(а) %n день назад</numerusform>
            <numerusform>был(а) %n дня назад</numerusform>
            <numerusform>был(а) %n дней назад</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Presence</name>
    <message>
        <location filename="../models/presence.py" line="53"/>
        <source>online</source>
        <translation>в сети</translation>
    </message>
    <message>
        <location filename="../models/presence.py" line="55"/>
        <source>offline</source>
        <translation>не в сети</translation>
    </message>
    <message>
        <location filename="../models/presence.py" line="58"/>
        <source>last seen just now</source>
        <translation>был(а) только что</translation>
    </message>
    <message>
        <location filename="../models/presence.py" line="68"/>
        <source>last seen {0}</source>
        <translation>был(а) {0}</translation>
    </message>
</context>
<context>
    <name>Profile</name>
    <message>
        <location filename="../profile.py" line="23"/>
        <source>A name can have at most {0} characters.</source>
        <translation>Имя может содержать не больше {0} символов.</translation>
    </message>
</context>
<context>
    <name>ProfileDialog</name>
    <message>
        <location filename="../views/profile_dialog.py" line="103"/>
        <source>Profile</source>
        <translation>Профиль</translation>
    </message>
    <message>
        <location filename="../views/profile_dialog.py" line="104"/>
        <source>Choose picture…</source>
        <translation>Выбрать фото…</translation>
    </message>
    <message>
        <location filename="../views/profile_dialog.py" line="105"/>
        <source>Remove picture</source>
        <translation>Удалить фото</translation>
    </message>
    <message>
        <location filename="../views/profile_dialog.py" line="106"/>
        <source>Your name</source>
        <translation>Ваше имя</translation>
    </message>
    <message>
        <location filename="../views/profile_dialog.py" line="108"/>
        <source>Others see this name instead of your email. Leave it empty to show your email.</source>
        <translation>Другие видят это имя вместо вашей почты. Оставьте пустым, чтобы показывать почту.</translation>
    </message>
    <message>
        <location filename="../views/profile_dialog.py" line="110"/>
        <source>Send read receipts</source>
        <translation>Отправлять отчёты о прочтении</translation>
    </message>
    <message>
        <location filename="../views/profile_dialog.py" line="111"/>
        <source>When this is off, others do not see when you have read their messages, and you do not see when they have read yours.</source>
        <translation>Если выключить, другие не увидят, что вы прочитали их сообщения, а вы не увидите, что они прочитали ваши.</translation>
    </message>
    <message>
        <location filename="../views/profile_dialog.py" line="152"/>
        <source>Choose picture</source>
        <translation>Выбор фото</translation>
    </message>
    <message>
        <location filename="../views/profile_dialog.py" line="154"/>
        <source>Pictures (*.png *.jpg *.jpeg *.gif *.webp)</source>
        <translation>Картинки (*.png *.jpg *.jpeg *.gif *.webp)</translation>
    </message>
</context>
<context>
    <name>ReadersPopup</name>
    <message>
        <location filename="../views/readers_popup.py" line="29"/>
        <source>Read by</source>
        <translation>Прочитали</translation>
    </message>
    <message>
        <location filename="../views/readers_popup.py" line="33"/>
        <source>{0} · read {1}</source>
        <translation>{0} · прочитано в {1}</translation>
    </message>
</context>
<context>
    <name>Receipts</name>
    <message>
        <location filename="../views/bubble_marks.py" line="57"/>
        <source>Read by: {0}</source>
        <translation>Прочитали: {0}</translation>
    </message>
</context>
<context>
    <name>ScrollDownButton</name>
    <message numerus="yes">
        <location filename="../views/scroll_button.py" line="24"/>
        <source>%n newer message(s) below</source>
        <translation>
            <numerusform>%n новое сообщение ниже</numerusform>
            <numerusform>%n новых сообщения ниже</numerusform>
            <numerusform>%n новых сообщений ниже</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Server</name>
    <message>
        <location filename="../errors.py" line="55"/>
        <source>Enter a valid email address.</source>
        <translation>Введите правильный адрес электронной почты.</translation>
    </message>
    <message>
        <location filename="../errors.py" line="56"/>
        <source>An account with this email already exists.</source>
        <translation>Аккаунт с этим адресом уже существует.</translation>
    </message>
    <message>
        <location filename="../errors.py" line="57"/>
        <source>The password must not consist only of spaces.</source>
        <translation>Пароль не может состоять только из пробелов.</translation>
    </message>
    <message>
        <location filename="../errors.py" line="58"/>
        <source>Wrong email or password.</source>
        <translation>Неверный адрес или пароль.</translation>
    </message>
    <message>
        <location filename="../errors.py" line="59"/>
        <source>The database is unavailable right now; try again shortly.</source>
        <translation>База данных сейчас недоступна, попробуйте чуть позже.</translation>
    </message>
    <message>
        <location filename="../errors.py" line="60"/>
        <source>The server is busy; try again.</source>
        <translation>Сервер занят, попробуйте ещё раз.</translation>
    </message>
    <message>
        <location filename="../errors.py" line="62"/>
        <source>Only the group&apos;s owner and admins may do this.</source>
        <translation>Это могут только владелец и админы группы.</translation>
    </message>
    <message>
        <location filename="../errors.py" line="63"/>
        <source>Only the group&apos;s owner may remove an admin.</source>
        <translation>Удалить админа может только владелец группы.</translation>
    </message>
    <message>
        <location filename="../errors.py" line="64"/>
        <source>You are not a member of this chat.</source>
        <translation>Вы не участник этого чата.</translation>
    </message>
    <message>
        <location filename="../errors.py" line="65"/>
        <source>No such chat.</source>
        <translation>Такого чата нет.</translation>
    </message>
    <message>
        <location filename="../errors.py" line="66"/>
        <source>The group&apos;s name must not be empty.</source>
        <translation>Название группы не может быть пустым.</translation>
    </message>
    <message>
        <location filename="../errors.py" line="71"/>
        <source>The password must be at least {0} characters long.</source>
        <translation>Пароль должен быть не короче {0} символов.</translation>
    </message>
    <message>
        <location filename="../errors.py" line="75"/>
        <source>The password must be at most {0} bytes long (UTF-8).</source>
        <translation>Пароль должен быть не длиннее {0} байт (UTF-8).</translation>
    </message>
    <message>
        <location filename="../errors.py" line="79"/>
        <source>A group has at most {0} members.</source>
        <translation>В группе может быть не больше {0} участников.</translation>
    </message>
    <message>
        <location filename="../errors.py" line="83"/>
        <source>The group&apos;s name must be at most {0} characters long.</source>
        <translation>Название группы — не длиннее {0} символов.</translation>
    </message>
    <message>
        <location filename="../errors.py" line="87"/>
        <source>Too many failed sign-in attempts. Try again in {0} seconds.</source>
        <translation>Слишком много неудачных попыток входа. Повторите через {0} с.</translation>
    </message>
</context>
<context>
    <name>Sidebar</name>
    <message>
        <location filename="../views/sidebar.py" line="155"/>
        <source>Search people and messages</source>
        <translation>Люди и сообщения</translation>
    </message>
    <message>
        <location filename="../views/sidebar.py" line="156"/>
        <source>Menu</source>
        <translation>Меню</translation>
    </message>
    <message>
        <location filename="../views/sidebar.py" line="157"/>
        <source>Theme</source>
        <translation>Тема</translation>
    </message>
    <message>
        <location filename="../views/sidebar.py" line="158"/>
        <location filename="../views/sidebar.py" line="162"/>
        <source>Follow the system</source>
        <translation>Как в системе</translation>
    </message>
    <message>
        <location filename="../views/sidebar.py" line="159"/>
        <source>Light</source>
        <translation>Светлая</translation>
    </message>
    <message>
        <location filename="../views/sidebar.py" line="160"/>
        <source>Dark</source>
        <translation>Тёмная</translation>
    </message>
    <message>
        <location filename="../views/sidebar.py" line="161"/>
        <source>Language</source>
        <translation>Язык</translation>
    </message>
    <message>
        <location filename="../views/sidebar.py" line="165"/>
        <source>Connect to a Firebase project…</source>
        <translation>Подключиться к проекту Firebase…</translation>
    </message>
    <message>
        <location filename="../views/sidebar.py" line="166"/>
        <source>Use the built-in local servers</source>
        <translation>Использовать встроенные локальные серверы</translation>
    </message>
    <message>
        <location filename="../views/sidebar.py" line="167"/>
        <source>Sign out</source>
        <translation>Выйти</translation>
    </message>
    <message>
        <location filename="../views/sidebar.py" line="168"/>
        <source>Profile…</source>
        <translation>Профиль…</translation>
    </message>
    <message>
        <location filename="../views/sidebar.py" line="169"/>
        <source>New group…</source>
        <translation>Новая группа…</translation>
    </message>
    <message>
        <location filename="../views/sidebar.py" line="170"/>
        <source>New group</source>
        <translation>Новая группа</translation>
    </message>
    <message>
        <location filename="../views/sidebar.py" line="171"/>
        <source>Notification sound</source>
        <translation>Звук уведомлений</translation>
    </message>
    <message>
        <location filename="../views/sidebar.py" line="172"/>
        <source>Profile</source>
        <translation>Профиль</translation>
    </message>
    <message>
        <location filename="../views/sidebar.py" line="203"/>
        <source>Nobody found.</source>
        <translation>Никого не нашлось.</translation>
    </message>
    <message>
        <location filename="../views/sidebar.py" line="204"/>
        <source>Nobody else is here yet. Invite someone to register!</source>
        <translation>Здесь пока никого нет. Пригласите кого-нибудь зарегистрироваться!</translation>
    </message>
    <message>
        <location filename="../views/sidebar.py" line="228"/>
        <source>Unmute notifications</source>
        <translation>Включить уведомления</translation>
    </message>
    <message>
        <location filename="../views/sidebar.py" line="229"/>
        <source>Mute notifications</source>
        <translation>Отключить уведомления</translation>
    </message>
</context>
<context>
    <name>Typing</name>
    <message>
        <location filename="../models/typing.py" line="31"/>
        <source>{0} is typing…</source>
        <translation>{0} печатает…</translation>
    </message>
    <message>
        <location filename="../models/typing.py" line="33"/>
        <source>{0} and {1} are typing…</source>
        <translation>{0} и {1} печатают…</translation>
    </message>
</context>
</TS>
