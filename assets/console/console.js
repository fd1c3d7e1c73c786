var e,t,n,r,i,a,o,s,c,l,u,d=Symbol.for(`pv`),f={},p=[],m=/^m(i|n|o|s|text|space)$/,h=Array.isArray,g=p.slice,_=Object.assign;function v(e){e&&e.parentNode&&e.remove()}function y(n,r,i,a,o){var s={type:n,props:r,key:i,ref:a,__k:null,__:null,__b:0,__e:null,__c:null,constructor:d,__v:o||++t,__i:-1,__u:0};return!o&&e.vnode&&e.vnode(s),s}function b(e){return e.children}function x(e,t){this.props=e,this.context=t,this.__g=0}function S(e,t){if(t==null)return e.__&&S(e.__,e.__i+1);for(var n;t<e.__k.length;t++)if((n=e.__k[t])&&n.__e)return n.__e;return typeof e.type!=`function`||e.props.__P?null:S(e)}function C(t){var n,r=t.__v,i=r.__e,a=[],o=[],s=t.__P;s&&((n=_({constructor:d},r)).__v=r.__v+1,e.vnode&&e.vnode(n),M(s,n,r,t.__n,s.namespaceURI,32&r.__u?[i]:null,a,i||S(r),32&r.__u,o),n.__v=r.__v,n.__.__k[n.__i]=n,ie(a,n,o),r.__=r.__e=null,n.__e!=i&&w(n))}function w(e){if((e=e.__)&&e.__c&&!e.props.__P)return e.__e=null,e.__k.some(function(t){return t&&(e.__e=t.__e)}),w(e)}function T(t){(8&t.__g||(t.__g|=8,n.push(t),i++))&&r==e.debounceRendering||((r=e.debounceRendering)||queueMicrotask)(E)}function E(){try{for(var e,t=1;n.length;)n.length>t&&n.sort(a),e=n.shift(),t=n.length,8&e.__g&&C(e)}finally{(i=n.length)&&(r||queueMicrotask)(E)}}function ee(e,t,n,r,i,a,o,s,c,l,u){var d,m,h,g,_,v,y=r.__k||p,b=t.length;for(c=D(n,t,y,c,b),d=0;d<b;d++)(h=n.__k[d])!=null&&(m=~h.__i&&y[h.__i]||f,h.__i=d,v=M(e,h,m,i,a,o,s,c,l,u),g=h.__e,(m.ref!=h.ref||8&m.__u)&&(m.ref&&N(m.ref,null,h,m),h.ref&&u.push(h.ref,h.__c||g,h)),_||=g,4&h.__u?(c=O(h,c,e,!m.__v),m.__e&&(m.__e=null)):typeof h.type==`function`&&v!==void 0?c=v:g&&(c=g.nextSibling),h.__u&=-21);return n.__e=_,c}function D(e,t,n,r,i){var a,o,s,c,l,u,f,p,m,g=n.length,_=g,v=0,x=0,C=e.__k=Array(i);for(a=0;a<i;a++)(o=t[a])!=null&&typeof o!=`boolean`&&typeof o!=`function`?(typeof o!=`object`||o.constructor===String?o=C[a]=y(null,o):h(o)?o=C[a]=y(b,{children:o}):o.constructor===d&&o.__b?o=C[a]=y(o.type,o.props,o.key,o.ref,o.__v):C[a]=o,c=a+v,o.__=e,o.__b=e.__b+1,s=null,~(l=o.__i=k(o,n,c,_))&&(_--,(s=n[l])&&(s.__u|=2)),s&&s.__v?(o.__u|=16,l==c-1?v--:l==c+1?v++:l!=c&&(l>c?v--:v++,x=1)):(~l||(i>g?v--:i<g&&v++),typeof o.type!=`function`&&(o.__u|=4))):C[a]=null;if(x){for(u=[],f=[],a=0;a<i;a++)if((o=C[a])&&16&o.__u){for(v=0,p=u.length;v<p;)u[m=v+p>>1]<o.__i?v=m+1:p=m;u[v]=o.__i,f[a]=v+1}for(v=u.length;a--;)f[a]&&(f[a]==v?v--:C[a].__u|=4)}if(_)for(a=0;a<g;a++)!(s=n[a])||2&s.__u||(s.__e==r&&(r=S(s)),oe(s,s));return r}function O(e,t,n,r){var i,a,o,s;if(typeof e.type==`function`){if(e.props.__P)return t;if(i=e.__k)for(a=0;a<i.length;a++)i[a]&&(i[a].__=e,t=O(i[a],t,n,!1));return t}for(t&&!t.parentNode&&(t=S(e))&&!t.parentNode&&(t=null),o=e.__e,s=t;s&&s.nodeType==8;)s=s.nextSibling;for(o!=s&&(!r&&n.moveBefore&&o.parentNode?n.moveBefore(o,t):n.insertBefore(o,t||null)),t=o;(t&&=t.nextSibling)&&t.nodeType==8&&!t.data.startsWith(`$s`););return t}function k(e,t,n,r){var i,a=e.key,o=e.type,s=t[n],c=s&&!(2&s.__u);if(s===null&&a==null||c&&a==s.key&&o==s.type)return n;if(r>+!!c){for(i=n-1;i>=0;i--)if((s=t[i])&&!(2&s.__u)&&a==s.key&&o==s.type)return i;for(i=n+1;i<t.length;i++)if((s=t[i])&&!(2&s.__u)&&a==s.key&&o==s.type)return i}return-1}function A(e,t,n){n??=``,t[0]==`-`?e.setProperty(t,n):e[t]=n}function te(e,t,n,r,i){var a,o;if(t==`style`){if(typeof n==`string`)e.style.cssText=n;else{if(typeof r==`string`&&(e.style.cssText=r=``),r)for(t in r)n&&t in n||A(e.style,t);if(n)for(t in n)r&&n[t]==r[t]||A(e.style,t,n[t])}}else if(t[0]==`o`&&t[1]==`n`)typeof n!=`function`&&(n=null),typeof r!=`function`&&(r=null),(e.__e||={})[t]=n,n&&r||(o=l[t]||(l[t]=j(t)),(e.__a||={})[t]=c,a=t!=(t=t.replace(s,`$1`)),(t=t.slice(2))[0]<`a`&&(t=t.toLowerCase()),n?e.addEventListener(t,o,a):e.removeEventListener(t,o,a));else{if(i==`http://www.w3.org/2000/svg`)t=t.replace(/xlink(H|:h)/,`h`).replace(/sName$/,`s`);else if(t!=`width`&&t!=`height`&&t!=`href`&&t!=`list`&&t!=`form`&&t!=`tabIndex`&&t!=`download`&&t!=`rowSpan`&&t!=`colSpan`&&t!=`role`&&t!=`popover`&&t in e)try{e[t]=n??``;return}catch{}if(typeof n==`function`)return;n==null||!1===n&&t[4]!=`-`?e.removeAttribute(t):e.setAttribute(t,t==`popover`&&n==1?``:n)}}function j(t){return function(n){var r=this.__e;if(r){if(r=r[t],n[o]==null)n[o]=c++;else if(n[o]<this.__a[t])return;return r(e.event?e.event(n):n)}}}function M(t,n,r,i,a,o,s,c,l,u){var f,m,g,y,C,w,T,E,D,O,k,A,te,j,M,ie,N,ce,le=n.type;if(n.constructor!==d)return null;128&r.__u&&(l=32&r.__u,f=r.__c.__z)&&(n.__u|=l,m=o=[],f.nodeType==8?c=ne(f,o):o.push(f),c=o[0]||c),(f=e.__b)&&f(n);e:if(typeof le==`function`){g=s.length;try{if(E=n.props,D=(f=le.prototype)&&f.render,O=(f=le.contextType)&&i[f.__c],k=f?O?O.props.value:f.__:i,(y=r.__c)?(n.__c=y,2&y.__g&&(y.__g|=1)):(D?n.__c=y=new le(E,k):(n.__c=y=new x(E,k),y.constructor=le,y.render=se),O&&O.sub(y),y.state||(y.state={}),y.__n=i,y.__g|=8,y.__h=[],y.__k=[]),D&&(y.__s||(y.__s=y.state),le.getDerivedStateFromProps&&(y.__s==y.state&&(y.__s=_({},y.__s)),_(y.__s,le.getDerivedStateFromProps(E,y.__s)))),C=y.props,w=y.state,y.__v=n,r.__c){if(E!==C&&D&&!le.getDerivedStateFromProps&&y.componentWillReceiveProps&&y.componentWillReceiveProps(E,k),n.__v==r.__v&&!(8&y.__g)||!(4&y.__g)&&y.shouldComponentUpdate&&!1===y.shouldComponentUpdate(E,y.__s,k)){n.__v!=r.__v&&(y.props=E,y.state=y.__s,y.__g&=-9),n.__e=r.__e,n.__k=r.__k,n.__k.some(function(e){e&&(e.__=n)}),p.push.apply(y.__h,y.__k),y.__k=[],y.__h.length&&s.push(y),c=S(r);break e}y.componentWillUpdate&&y.componentWillUpdate(E,y.__s,k),D&&y.componentDidUpdate&&y.__h.push(function(){y.componentDidUpdate(C,w,T)})}else D&&!le.getDerivedStateFromProps&&y.componentWillMount&&y.componentWillMount(),D&&y.componentDidMount&&y.__h.push(y.componentDidMount);y.context=k,y.props=E,y.__P=t,y.__g&=-5,A=e.__r,te=D?25:0;do y.__g&=-9,A&&A(n),f=y.render(y.props,y.state=y.__s,y.context);while(8&y.__g&&++te<25);D&&(p.push.apply(y.__h,y.__k),y.__k=[]),y.state=y.__s,y.getChildContext&&(i=_({},i,y.getChildContext())),D&&r.__c&&y.getSnapshotBeforeUpdate&&(T=y.getSnapshotBeforeUpdate(C,w)),j=f&&f.type===b&&f.key==null?f.props.children:f,E.__P&&(f=c,a=(t=E.__P).namespaceURI,l=o=null,r.props&&r.props.__P!=t&&(r.__k.some(function(e){e&&oe(e,e)}),r.__k=null),c=r.__k?S(r,0):null),c=ee(t,h(j)?j:[j],n,r,i,a,o,s,c,l,u),E.__P&&(n.__e=null,c=f),n.__u&=-161,m&&m.some(v),y.__h.length&&s.push(y),1&y.__g&&(y.__g&=-4)}catch(t){if(s.length=g,n.__v=null,l||o){if(t&&t.then){if(n.__u|=128|l,o){for(~(N=o.indexOf(c||void 0))||(N=o.length);(ce=o[N-1])&&ce.nodeType==8;)N--;for(;N<o.length;N++)if(ce=o[N]){if(o[N]=null,M){if(ce==ie)break}else{if(ce.nodeType!=8)break;ce.data.startsWith(`$s`)&&(ie=ne(M=ce))}}}if(!M){for(;c&&c.nodeType==8&&c.nextSibling;)c=c.nextSibling;M=c}(f=ne(M=n.__c.__z||(n.__c.__z=M)))?(n.__e=M,c=f):n.__e=c,c&&=c.nextSibling}else o&&o.some(v)}else n.__e=r.__e;n.__k||=r.__k||[],t&&t.then||re(n),e.__e(t,n,r)}}else c=n.__e=ae(r.__e,n,r,i,a,o,s,l,u,t);return(f=e.diffed)&&f(n),c}function ne(e,t){if(e&&e.nodeType==8&&e.data.startsWith(`$s`))for(var n=1;e=e.nextSibling;){if(e.nodeType==8){if(e.data.startsWith(`$s`))n++;else if(e.data.startsWith(`/$s`)&&!--n)return e}t&&t.push(e)}}function re(e){e&&(e.__c&&(e.__c.__g|=4),e.__k&&e.__k.some(re))}function ie(t,n,r){for(var i=0;i<r.length;)N(r[i++],r[i++],r[i++]);e.__c&&e.__c(n,t),t.some(function(n){try{t=n.__h,n.__h=[],t.some(function(e){e.call(n)})}catch(t){e.__e(t,n.__v)}})}function ae(t,n,r,i,a,o,s,c,l,u){var d,p,_,y,b,x,C,w,T=r.props||f,E=n.props,D=n.type;if(D==`svg`?a=`http://www.w3.org/2000/svg`:D==`math`?a=`http://www.w3.org/1998/Math/MathML`:a||=`http://www.w3.org/1999/xhtml`,o){for(d=0;d<o.length;d++)if((b=o[d])&&(D?b.localName==D:b.nodeType==3)){t=b,o[d]=null;break}}if(!t){if(w=u.ownerDocument||document,!D)return w.createTextNode(E);t=w.createElementNS(a,D,E.is?E:u),c&&=(e.__m&&e.__m(n,o),!1),o=null}if(D){if(u=D==`template`&&t.content||t,o=D==`textarea`&&E.defaultValue!=null?null:o&&g.call(u.childNodes),!c&&o)for(T={},d=0;d<t.attributes.length;d++)T[(b=t.attributes[d]).name]=b.value;for(d in T)b=T[d],d==`dangerouslySetInnerHTML`?_=b:d==`children`||d in E||d==`value`&&`defaultValue`in E||d==`checked`&&`defaultChecked`in E||te(t,d,null,b,a);for(d in E)b=E[d],d==`children`?y=b:d==`dangerouslySetInnerHTML`?p=b:d==`value`?x=b:d==`checked`?C=b:c&&typeof b!=`function`||T[d]===b||te(t,d,b,T[d],a);p?(c||_&&(p.__html==_.__html||p.__html==t.innerHTML)||(t.innerHTML=p.__html),n.__k=[]):(_&&(t.textContent=``),(D==`foreignObject`||a==`http://www.w3.org/1998/Math/MathML`&&m.test(D))&&(a=`http://www.w3.org/1999/xhtml`),ee(u,h(y)?y:[y],n,r,i,a,o,s,o?o[0]:r.__k&&S(r,0),c,l),o&&o.some(v)),c&&D!=`textarea`||(d=`value`,D==`progress`&&x==null?t.removeAttribute(d):x==null||x===t[d]&&(D!=`progress`||x)||te(t,d,x,T[d],a),d=`checked`,C!=null&&C!=t[d]&&te(t,d,C,T[d],a))}else T===E||c&&t.data==E||(t.data=E);return t}function N(t,n,r,i){try{typeof t==`function`?n?n.__x=t(n)||1:(i&&=i.__c||i.__e)&&(n=i.__x)&&(i.__x=null,typeof n==`function`?n():t(null)):t.current=n}catch(t){e.__e(t,r)}}function oe(t,n,r){var i,a,o,s;if(e.unmount&&e.unmount(t),!(i=t.ref)||i.current&&i.current!=t.__e||N(i,null,n,t),i=t.__c){if(i.componentWillUnmount)try{i.componentWillUnmount()}catch(t){e.__e(t,n)}i.__P=i.__n=null}if(i=t.__k)for(s=0;s<i.length;s++)i[s]&&oe(i[s],n,typeof t.type!=`function`||r&&!t.props.__P);!r&&(i=t.__c)&&(i=i.__z)&&(a=ne(i,o=[]))&&(i==t.__e&&o.some(v),v(a),v(i)),r||v(t.__e),t.__e=t.__c=t.__=null}function se(e,t,n){return this.constructor(e,n)}function ce(t,n){var r,i,a,o;e.__&&e.__(t,n),n.nodeType==9&&(n=n.documentElement),i=(r=t&&32&t.__u)?null:n.__k,n.__k=y(b,{children:[t]}),a=[],o=[],M(n,n.__k,i||f,f,n.namespaceURI,i?null:n.firstChild?g.call(n.childNodes):null,a,i?i.__e:n.firstChild,r,o),ie(a,n.__k,o),n.__k.props.children=null}function le(e){function t(e){var n,r;return this.getChildContext||(n=new Set,(r={})[t.__c]=this,this.getChildContext=function(){return r},this.shouldComponentUpdate=function(e){this.props.value!=e.value&&n.forEach(function(e){e.__g|=4,T(e)})},this.sub=function(e){n.add(e);var t=e.componentWillUnmount;e.componentWillUnmount=function(){n.delete(e),t&&t.call(e)}}),e.children}return t.__c=`__cC`+u++,t.__=e,t.Provider=(t.Consumer=function(e,t){return e.children(t)}).contextType=t,t}e={__e:function(e,t,n,r){for(var a,o,s;t=t.__;)if((a=t.__c)&&!(1&a.__g)){a.__g|=4;try{if((s=(o=a.constructor)&&o.getDerivedStateFromError)&&a.setState(o.getDerivedStateFromError(e)),a.componentDidCatch&&(a.componentDidCatch(e,r||{}),s=1),s&&8&a.__g)return void(a.__g|=2)}catch(t){e=t}}throw i=0,e}},t=0,x.prototype.setState=function(e,t){var n=this.__s;n&&n!=this.state||(n=this.__s=_({},this.state)),typeof e==`function`&&(e=e(_({},n),this.props)),e&&(_(n,e),this.__v&&(t&&this.__k.push(t),T(this)))},x.prototype.forceUpdate=function(e){this.__v&&(this.__g|=4,e&&this.__h.push(e),T(this))},x.prototype.render=b,n=[],i=0,a=function(e,t){return e.__v.__b-t.__v.__b},o=Symbol(),s=/(PointerCapture)$|Capture$/i,c=0,l={},u=0;var ue,P,de,fe,pe=Object.is,me=0,he=[],ge=[],F=e,_e=F.__b,ve=F.__r,ye=F.diffed,be=F.__c,xe=F.unmount,Se=F.__;function Ce(e,t){F.__h&&F.__h(P,e,me||t),me=0;var n=P.__H||(P.__H={__:[],__h:[]});return e>=n.__.length&&n.__.push({}),n.__[e]}function I(e){return me=1,we(Ie,e)}function we(e,t,n){var r=Ce(ue++,2);if(r.t=e,!r.__c&&(r.__=[n?n(t):Ie(void 0,t),function(e){var t=(r.__N||r.__)[0],n=r.t(t,e);pe(t,n)||(r.__N=[n,r.__[1]],r.__c.setState({}))}],r.__c=P,!P.__f)){P.__f=!0;var i=P.shouldComponentUpdate;P.shouldComponentUpdate=function(e,t,n){var r=this.__H;if(!r)return!0;var a=!1,o=this.props!=e;if(r.__.some(function(e){e.__N&&(a=!0,pe(e.__[0],e.__N[0])||(o=!0))}),i){var s=i.call(this,e,t,n);return a?s||o:s}return!a||o}}return r.__}function L(e,t){var n=Ce(ue++,3);!F.__s&&Fe(n.__H,t)&&(n.__P=!0,n.__=e,n.u=t,P.__H.__h.push(n))}function Te(e){return me=5,Ee(function(){return{current:e}},[])}function Ee(e,t){var n=Ce(ue++,7);return Fe(n.__H,t)&&(n.__=e(),n.__H=t),n.__}function De(e,t){return me=8,Ee(function(){return e},t)}function Oe(e){var t=P.context[e.__c],n=Ce(ue++,9);return n.c=e,t?(n.__??(n.__=!0,t.sub(P)),t.props.value):e.__}function ke(){var e;do{for(;e=ge.shift();)try{Ne(e)}catch(t){F.__e(t,{__:(e=e.__P)&&e.__v})}for(;e=he.shift();){var t=e.__H;if(e.__P&&t)try{t.__h.some(Ne),t.__h.some(Pe),t.__h=[]}catch(n){t.__h=[],F.__e(n,e.__v)}}}while(ge.length)}F.__b=function(e){P=null,_e&&_e(e)},F.__=function(e,t){e&&t.__k&&t.__k.__m&&(e.__m=t.__k.__m),Se&&Se(e,t)},F.__r=function(e){ve&&ve(e),ue=0;var t=(P=e.__c).__H;t&&(de==P?P.__h=[]:(t.__h.some(Ne),t.__h.some(Pe),ue=0),t.__h=[],t.__.some(function(e){e.__N&&(e.__=e.__N),e.u=e.__N=void 0})),de=P},F.diffed=function(e){ye&&ye(e);var t=e.__c;t&&t.__H&&(t.__H.__h.length&&Me(he.push(t)),t.__H.__.some(function(e){e.u&&(e.__H=e.u)})),de=P=null},F.__c=function(e,t){t.some(function(e){try{e.__h.some(Ne),e.__h=e.__h.filter(function(e){return!e.__||Pe(e)})}catch(t){e.__h=[function(){throw t}]}}),be&&be(e,t)},F.unmount=function(e){xe&&xe(e);var t,n,r=e.__c;r&&r.__H&&(r.__H.__.some(function(r){try{if(r.__P&&r.__c){if(n===void 0){for(n=e.__;n&&(!n.__c||!n.__c.__P);)n=n.__;n&&=n.__c}r.__P=n,Me(ge.push(r))}else Ne(r)}catch(e){t=e}}),r.__H=void 0,t&&F.__e(t,r.__v))};var Ae=typeof requestAnimationFrame==`function`;function je(e){var t,n=function(){clearTimeout(r),Ae&&cancelAnimationFrame(t),setTimeout(e)},r=setTimeout(n,35);Ae&&(t=requestAnimationFrame(n))}function Me(e){e!=1&&fe==F.requestAnimationFrame||((fe=F.requestAnimationFrame)||je)(ke)}function Ne(e){var t=P,n=e.__c;typeof n==`function`&&(e.__c=void 0,n()),P=t}function Pe(e){var t=P;e.__c=e.__(),P=t}function Fe(e,t){return!e||e.length!=t.length||t.some(function(t,n){return!pe(t,e[n])})}function Ie(e,t){return typeof t==`function`?t(e):t}function R(e){return e===null?`null`:Array.isArray(e)?`array`:typeof e}function Le(e){return R(e)===`object`}function Re(e){return Array.isArray(e)&&e.length>0&&e.every(e=>`message`in e)}function ze(e,t){return e.length<124?e:t}var z=(e=>(e[e.InternalServerError=4500]=`InternalServerError`,e[e.InternalClientError=4005]=`InternalClientError`,e[e.BadRequest=4400]=`BadRequest`,e[e.BadResponse=4004]=`BadResponse`,e[e.Unauthorized=4401]=`Unauthorized`,e[e.Forbidden=4403]=`Forbidden`,e[e.SubprotocolNotAcceptable=4406]=`SubprotocolNotAcceptable`,e[e.ConnectionInitialisationTimeout=4408]=`ConnectionInitialisationTimeout`,e[e.ConnectionAcknowledgementTimeout=4504]=`ConnectionAcknowledgementTimeout`,e[e.SubscriberAlreadyExists=4409]=`SubscriberAlreadyExists`,e[e.TooManyInitialisationRequests=4429]=`TooManyInitialisationRequests`,e))(z||{}),B=(e=>(e.ConnectionInit=`connection_init`,e.ConnectionAck=`connection_ack`,e.Ping=`ping`,e.Pong=`pong`,e.Subscribe=`subscribe`,e.Next=`next`,e.Error=`error`,e.Complete=`complete`,e))(B||{});function Be(e){if(!Le(e))throw Error(`Message is expected to be an object, but got ${R(e)}`);if(!e.type)throw Error(`Message is missing the 'type' property`);if(typeof e.type!=`string`)throw Error(`Message is expects the 'type' property to be a string, but got ${R(e.type)}`);switch(e.type){case`connection_init`:case`connection_ack`:case`ping`:case`pong`:if(e.payload!=null&&!Le(e.payload))throw Error(`"${e.type}" message expects the 'payload' property to be an object or nullish or missing, but got "${e.payload}"`);break;case`subscribe`:if(typeof e.id!=`string`)throw Error(`"${e.type}" message expects the 'id' property to be a string, but got ${R(e.id)}`);if(!e.id)throw Error(`"${e.type}" message requires a non-empty 'id' property`);if(!Le(e.payload))throw Error(`"${e.type}" message expects the 'payload' property to be an object, but got ${R(e.payload)}`);if(typeof e.payload.query!=`string`)throw Error(`"${e.type}" message payload expects the 'query' property to be a string, but got ${R(e.payload.query)}`);if(e.payload.variables!=null&&!Le(e.payload.variables))throw Error(`"${e.type}" message payload expects the 'variables' property to be a an object or nullish or missing, but got ${R(e.payload.variables)}`);if(e.payload.operationName!=null&&R(e.payload.operationName)!==`string`)throw Error(`"${e.type}" message payload expects the 'operationName' property to be a string or nullish or missing, but got ${R(e.payload.operationName)}`);if(e.payload.extensions!=null&&!Le(e.payload.extensions))throw Error(`"${e.type}" message payload expects the 'extensions' property to be a an object or nullish or missing, but got ${R(e.payload.extensions)}`);break;case`next`:if(typeof e.id!=`string`)throw Error(`"${e.type}" message expects the 'id' property to be a string, but got ${R(e.id)}`);if(!e.id)throw Error(`"${e.type}" message requires a non-empty 'id' property`);if(!Le(e.payload))throw Error(`"${e.type}" message expects the 'payload' property to be an object, but got ${R(e.payload)}`);break;case`error`:if(typeof e.id!=`string`)throw Error(`"${e.type}" message expects the 'id' property to be a string, but got ${R(e.id)}`);if(!e.id)throw Error(`"${e.type}" message requires a non-empty 'id' property`);if(!Re(e.payload))throw Error(`"${e.type}" message expects the 'payload' property to be an array of GraphQL errors, but got ${JSON.stringify(e.payload)}`);break;case`complete`:if(typeof e.id!=`string`)throw Error(`"${e.type}" message expects the 'id' property to be a string, but got ${R(e.id)}`);if(!e.id)throw Error(`"${e.type}" message requires a non-empty 'id' property`);break;default:throw Error(`Invalid message 'type' property "${e.type}"`)}return e}function Ve(e,t){return Be(typeof e==`string`?JSON.parse(e,t):e)}function He(e,t){return Be(e),JSON.stringify(e,t)}function Ue(e){let{url:t,connectionParams:n,lazy:r=!0,onNonLazyError:i=console.error,lazyCloseTimeout:a=0,keepAlive:o=0,disablePong:s,connectionAckWaitTimeout:c=0,retryAttempts:l=5,retryWait:u=async function(e){let t=2**e;await new Promise(e=>setTimeout(e,t*1e3+Math.floor(Math.random()*2700+300)))},shouldRetry:d=Ge,on:f,webSocketImpl:p,generateID:m=function(){return`xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx`.replace(/[xy]/g,e=>{let t=Math.random()*16|0;return(e==`x`?t:t&3|8).toString(16)})},jsonMessageReplacer:h,jsonMessageReviver:g}=e,_;if(p){if(!qe(p))throw Error(`Invalid WebSocket implementation provided`);_=p}else typeof WebSocket<`u`?_=WebSocket:typeof global<`u`?_=global.WebSocket||global.MozWebSocket:typeof window<`u`&&(_=window.WebSocket||window.MozWebSocket);if(!_)throw Error("WebSocket implementation missing; on Node you can `import WebSocket from 'ws';` and pass `webSocketImpl: WebSocket` to `createClient`");let v=_,y=(()=>{let e=(()=>{let e={};return{on(t,n){return e[t]=n,()=>{delete e[t]}},emit(t){`id`in t&&e[t.id]?.(t)}}})(),t={connecting:f?.connecting?[f.connecting]:[],opened:f?.opened?[f.opened]:[],connected:f?.connected?[f.connected]:[],ping:f?.ping?[f.ping]:[],pong:f?.pong?[f.pong]:[],message:f?.message?[e.emit,f.message]:[e.emit],closed:f?.closed?[f.closed]:[],error:f?.error?[f.error]:[]};return{onMessage:e.on,on(e,n){let r=t[e];return r.push(n),()=>{let e=r.indexOf(n);e>-1&&r.splice(e,1)}},emit(e,...n){for(let r of[...t[e]])r(...n)}}})();function b(e){let t=[y.on(`error`,n=>{t.forEach(e=>e()),e(n)}),y.on(`closed`,n=>{t.forEach(e=>e()),e(n)})];return()=>t.forEach(e=>e())}let x,S=0,C,w=!1,T=0,E=!1;async function ee(){clearTimeout(C);let[e,r]=await(x??=new Promise((e,r)=>(async()=>{if(w){if(await u(T),!S)return x=void 0,r({code:1e3,reason:`All Subscriptions Gone`});T++}y.emit(`connecting`,w);let i=new v(typeof t==`function`?await t():t,`graphql-transport-ws`),a,l;function d(){isFinite(o)&&o>0&&(clearTimeout(l),l=setTimeout(()=>{i.readyState===v.OPEN&&(i.send(He({type:B.Ping})),y.emit(`ping`,!1,void 0))},o))}b(e=>{x=void 0,clearTimeout(a),clearTimeout(l),r(e),e instanceof We&&(i.close(4499,`Terminated`),i.onerror=null,i.onclose=null)}),i.onerror=e=>y.emit(`error`,e),i.onclose=e=>y.emit(`closed`,e),i.onopen=async()=>{try{y.emit(`opened`,i);let e=typeof n==`function`?await n():n;if(i.readyState!==v.OPEN)return;i.send(He(e?{type:B.ConnectionInit,payload:e}:{type:B.ConnectionInit},h)),isFinite(c)&&c>0&&(a=setTimeout(()=>{i.close(z.ConnectionAcknowledgementTimeout,`Connection acknowledgement timeout`)},c)),d()}catch(e){y.emit(`error`,e),i.close(z.InternalClientError,ze(e instanceof Error?e.message:String(e),`Internal client error`))}};let f=!1;i.onmessage=({data:t})=>{try{let n=Ve(t,g);if(y.emit(`message`,n),n.type===`ping`||n.type===`pong`){y.emit(n.type,!0,n.payload),n.type===`pong`?d():s||(i.send(He(n.payload?{type:B.Pong,payload:n.payload}:{type:B.Pong},h)),y.emit(`pong`,!1,n.payload));return}if(f)return;if(n.type!==B.ConnectionAck)throw Error(`First message cannot be of type ${n.type}`);clearTimeout(a),f=!0,y.emit(`connected`,i,n.payload,w),w=!1,T=0;let r=new Promise((e,t)=>b(t));r.catch(()=>{}),e([i,r])}catch(e){i.onmessage=null,y.emit(`error`,e),i.close(z.BadResponse,ze(e instanceof Error?e.message:String(e),`Bad response`))}}})()));e.readyState===v.CLOSING&&await r;let i=()=>{},l=new Promise(e=>i=e);return[e,i,new Promise((t,n)=>{let i=b(n);e.readyState!==v.OPEN&&r.catch(n),l.then(()=>{if(i(),!S){let t=()=>e.close(1e3,`Normal Closure`);isFinite(a)&&a>0?(clearTimeout(C),C=setTimeout(()=>{!S&&e.readyState===v.OPEN&&t()},a)):t()}t()})})]}function D(e){if(Ge(e)&&(Ke(e.code)||[z.InternalServerError,z.InternalClientError,z.BadRequest,z.BadResponse,z.Unauthorized,z.SubprotocolNotAcceptable,z.SubscriberAlreadyExists,z.TooManyInitialisationRequests].includes(e.code)))throw e;if(E)return!1;if(Ge(e)&&e.code===1e3)return S>0;if(!l||T>=l||!d(e))throw e;return w=!0}r||(async()=>{for(S++;;)try{let[,,e]=await ee();await e}catch(e){try{if(!D(e))return}catch(e){return i?.(e)}}})();function O(e,t){let n=m(e),r=!1,i=!1,a=()=>{S--,r=!0};return(async()=>{for(S++;;)try{let[o,s,c]=await ee();if(r)return c.catch(()=>{}),s();let l=y.onMessage(n,e=>{switch(e.type){case B.Next:t.next(e.payload);return;case B.Error:i=!0,r=!0,t.error(e.payload),a();return;case B.Complete:r=!0,a();return}});o.send(He({id:n,type:B.Subscribe,payload:e},h)),a=()=>{!r&&o.readyState===v.OPEN&&o.send(He({id:n,type:B.Complete},h)),S--,r=!0,s()},await c.finally(l);return}catch(e){if(!D(e))return}})().then(()=>{i||t.complete()}).catch(e=>{t.error(e)}),()=>{r||a()}}return{on:y.on,subscribe:O,iterate(e){let t=[],n={done:!1,error:null,resolve:()=>{}},r=O(e,{next(e){t.push(e),n.resolve()},error(e){n.done=!0,n.error=e,n.resolve()},complete(){n.done=!0,n.resolve()}}),i=async function*(){for(;;){for(t.length||await new Promise(e=>n.resolve=e);t.length;)yield t.shift();if(n.error)throw n.error;if(n.done)return}}();return i.throw=async e=>(n.done||(n.done=!0,n.error=e,n.resolve()),{done:!0,value:void 0}),i.return=async()=>(r(),{done:!0,value:void 0}),i},async dispose(){if(E=!0,x){let[e]=await x;e.close(1e3,`Normal Closure`)}},terminate(){x&&y.emit(`closed`,new We)}}}var We=class extends Error{name=`TerminatedCloseEvent`;message=`4499: Terminated`;code=4499;reason=`Terminated`;wasClean=!1};function Ge(e){return Le(e)&&`code`in e&&`reason`in e}function Ke(e){return![1e3,1001,1006,1005,1012,1013,1014].includes(e)&&e>=1e3&&e<=1999}function qe(e){return typeof e==`function`&&`constructor`in e&&`CLOSED`in e&&`CLOSING`in e&&`CONNECTING`in e&&`OPEN`in e}var Je=`quire.console.token`,Ye=`/graphql`,Xe=`/graphql/ws`;function V(e){return e}var H=class extends Error{errors;constructor(e){super(e.map(e=>e.extensions?.code?`${e.extensions.code}: ${e.message}`:e.message).join(`; `)),this.name=`GqlError`,this.errors=e}get code(){return this.errors[0]?.extensions?.code}ext(e){for(let t of this.errors)if(t.extensions&&e in t.extensions)return t.extensions[e]}hasCode(e){return this.errors.some(t=>t.extensions?.code===e)}};function Ze(e){return e instanceof H?e:new H([{message:e instanceof Error?e.message:String(e)}])}function Qe(){try{return localStorage.getItem(Je)}catch{return null}}function $e(e){try{e?localStorage.setItem(Je,e):localStorage.removeItem(Je)}catch{}}var et=Qe(),tt=new Set;function nt(e){et=e,$e(e),gt()}function rt(){return et}function it(e){return tt.add(e),()=>tt.delete(e)}function at(e=et){return e?{Authorization:`Bearer ${e}`}:{}}function ot(e){return/\b(?:query|mutation|subscription)\s+([A-Za-z_][A-Za-z0-9_]*)/.exec(e)?.[1]}async function U(e,t,n={}){let{data:r,errors:i}=await st(e,t,n);if(i&&i.length>0){let e=new H(i);throw e.partial=r,e}if(r==null)throw new H([{message:`empty response`,extensions:{code:`CLIENT`}}]);return r}async function st(e,t,n={}){let r,i={method:`POST`,credentials:`omit`,headers:{"Content-Type":`application/json`,Accept:`application/graphql-response+json, application/json`,...at(n.token??et)},body:JSON.stringify({query:e,variables:t??{},operationName:ot(e)})};n.signal&&(i.signal=n.signal);try{r=await fetch(Ye,i)}catch(e){throw e instanceof DOMException&&e.name===`AbortError`?e:new H([{message:`cannot reach Quire: ${e.message}`,extensions:{code:`NETWORK`}}])}let a=await r.text(),o;try{o=JSON.parse(a)}catch{throw new H([{message:`HTTP ${r.status} ${r.statusText}: ${a.slice(0,300)}`,extensions:{code:r.status===401?`UNAUTHENTICATED`:`HTTP_${r.status}`}}])}let s=o.errors;return r.status!==401&&!s?.some(e=>e.extensions?.code===`UNAUTHENTICATED`)||n.token||tt.forEach(e=>e()),{data:o.data??null,errors:s}}async function ct(e,t){let n=new URL(e,location.origin);if(n.origin!==location.origin)throw Error(`refusing a file URL on another origin: ${e}`);let r={headers:at(),credentials:`omit`};t&&(r.signal=t);let i=await fetch(n.pathname+n.search,r);if(!i.ok){let e=``;try{e=(await i.text()).slice(0,200)}catch{}throw new H([{message:`HTTP ${i.status} ${e}`.trim(),extensions:{code:`HTTP_${i.status}`}}])}return i.blob()}var lt=null,ut=`idle`,dt=new Set;function ft(e){ut=e,dt.forEach(t=>t(e))}function pt(e){return dt.add(e),e(ut),()=>dt.delete(e)}function mt(){return`${location.protocol===`https:`?`wss:`:`ws:`}//${location.host}${Xe}`}function ht(){if(lt)return lt;let e=et;return lt=Ue({url:mt(),lazy:!0,lazyCloseTimeout:3e3,retryAttempts:0,connectionParams:()=>at(e),keepAlive:15e3,on:{connecting:()=>ft(`connecting`),connected:()=>ft(`live`),closed:()=>ft(`down`)}}),lt}function gt(){let e=lt;lt=null,e&&e.dispose(),ft(`idle`)}function _t(e){let t,n=null,r=()=>{t=setTimeout(e,120)};if(ut===`live`)r();else{let e=e=>{e===`live`&&(n?.(),n=null,r())};dt.add(e),n=()=>dt.delete(e)}return()=>{clearTimeout(t),n?.()}}function vt(e,t,n){let r=!1,i,a=null,o=null,s=0,c,l=e=>{a=null;let t=e??Math.min(3e4,1e3*2**s);s+=1,clearTimeout(c),c=setTimeout(u,t)};function u(){if(r)return;let c={...t};i&&(c.after=i);let u=i;a=ht().subscribe({query:e,variables:c,operationName:ot(e)??null},{next:e=>{if(e.errors&&e.errors.length>0){n.error?.(new H(e.errors));return}if(!e.data)return;s=0;let t=n.cursorOf(e.data);t&&(i=t),n.next(e.data)},error:e=>{if(r)return;if(Array.isArray(e)){let t=new H(e);if(u&&t.hasCode(`NOT_FOUND`)){i=void 0,l(0);return}n.error?.(t);return}let t=e?.code;t===4401||t===4403?(n.error?.(new H([{message:`the socket refused the token (close ${t})`,extensions:{code:`UNAUTHENTICATED`}}])),tt.forEach(e=>e())):l()},complete:()=>{r||l()}}),n.started?.(u),!u&&n.resync&&(o?.(),o=_t(()=>{r||n.resync?.()}))}return u(),{stop(){r=!0,clearTimeout(c),o?.(),a?.()}}}var yt=`
  fragment ActorFields on Actor {
    id
    name
    type
  }
`,bt=`
  fragment ProgressFields on ApprovalProgress {
    requiredApprovals
    approvals
    stillNeeded
    missingActorTypes
    ruleOutcome
    policy {
      id
      schemaKeyPattern
      requiredApprovals
      requiredActorTypes
      autoApproveWhen
    }
  }
`,xt=`
  fragment QueueItem on ArtifactVersion {
    id
    schemaKey
    versionNumber
    status
    createdAt
    createdBy {
      ...ActorFields
    }
    project {
      id
      slug
      name
    }
    sourceRun {
      id
      pipeline
      model
    }
    approvalProgress {
      ...ProgressFields
    }
  }
  ${yt}
  ${bt}
`,St=`
  fragment FileFields on File {
    id
    sha256
    size
    contentType
    filename
    url
    createdAt
  }
`,Ct=V(`
  query SignIn {
    viewer {
      ...ActorFields
    }
    projects(first: 100) {
      totalCount
      edges {
        node {
          id
          slug
          name
          tier
          contextVersion
        }
      }
    }
  }
  ${yt}
`),wt=V(`
  mutation ProbeReviewRole {
    approveVersion(input: { versionId: "ver_00000000000000000000000000000000" }) {
      id
    }
  }
`),Tt=V(`
  query QueueSnapshot($slug: String!, $prefix: String, $after: String) {
    project(slug: $slug) {
      id
      reviewQueue(first: 100, after: $after, schemaKeyPrefix: $prefix) {
        totalCount
        pageInfo {
          hasNextPage
          endCursor
        }
        edges {
          node {
            ...QueueItem
          }
        }
      }
    }
  }
  ${xt}
`),Et=V(`
  subscription QueueEvents($projectId: ID!, $after: String) {
    reviewQueue(projectId: $projectId, after: $after) {
      cursor
      change
      version {
        ...QueueItem
      }
    }
  }
  ${xt}
`),Dt=`
  fragment StatusCounts on Project {
    id
    slug
    pending: versions(status: [PENDING], schemaKeyPrefix: $prefix, first: 0) {
      totalCount
    }
    approved: versions(status: [APPROVED], schemaKeyPrefix: $prefix, first: 0) {
      totalCount
    }
    changesRequested: versions(status: [CHANGES_REQUESTED], schemaKeyPrefix: $prefix, first: 0) {
      totalCount
    }
    rejected: versions(status: [REJECTED], schemaKeyPrefix: $prefix, first: 0) {
      totalCount
    }
    superseded: versions(status: [SUPERSEDED], schemaKeyPrefix: $prefix, first: 0) {
      totalCount
    }
  }
`,Ot=V(`
  query ProjectCounts($slug: String!, $prefix: String) {
    project(slug: $slug) {
      ...StatusCounts
    }
  }
  ${Dt}
`),kt=V(`
  query AllCounts($prefix: String) {
    projects(first: 100) {
      edges {
        node {
          ...StatusCounts
        }
      }
    }
  }
  ${Dt}
`),At=V(`
  query QueuePreview($id: ID!) {
    artifactVersion(id: $id) {
      id
      value
      annotations
      diff
      previous {
        id
        versionNumber
        value
      }
      files {
        ...FileFields
      }
    }
  }
  ${St}
`),jt=`
  fragment Decided on ArtifactVersion {
    id
    schemaKey
    versionNumber
    status
    reviewedAt
    reviewedBy {
      ...ActorFields
    }
    approvalProgress {
      ...ProgressFields
    }
  }
  ${yt}
  ${bt}
`,Mt=V(`
  mutation Approve($input: ReviewInput!) {
    approveVersion(input: $input) {
      ...Decided
    }
  }
  ${jt}
`),Nt=V(`
  mutation Reject($input: ReviewInput!) {
    rejectVersion(input: $input) {
      ...Decided
    }
  }
  ${jt}
`),Pt=V(`
  mutation RequestChanges($input: ReviewInput!) {
    requestChanges(input: $input) {
      ...Decided
    }
  }
  ${jt}
`),Ft=V(`
  query VersionPage($id: ID!) {
    artifactVersion(id: $id) {
      id
      schemaKey
      versionNumber
      status
      value
      archived
      schemaVersion
      annotations
      annotationsRevision
      ruleOutcome
      digest
      promoted
      createdAt
      reviewedAt
      rejectionReason
      createdBy {
        ...ActorFields
      }
      reviewedBy {
        ...ActorFields
      }
      project {
        id
        slug
        name
        tier
        contextVersion
      }
      base {
        id
        versionNumber
        status
        approvals {
          id
          action
          reason
          feedback
          createdAt
          actor {
            ...ActorFields
          }
        }
      }
      revisions {
        id
        versionNumber
        status
      }
      previous {
        id
        versionNumber
        status
        value
      }
      diff
      primaryFile {
        id
      }
      files {
        ...FileFields
      }
      sourceRun {
        id
        pipeline
        model
        status
        createdAt
        inputTokens
        outputTokens
        cost
      }
      sourceStep {
        id
        order
        agentId
        agentName
        model
        inputTokens
        outputTokens
        outputTokenCount
        cost
        summary
        output
      }
      approvals {
        id
        action
        reason
        feedback
        contextVersion
        createdAt
        actor {
          ...ActorFields
        }
      }
      approvalProgress {
        ...ProgressFields
      }
      annotationHistory {
        revision
        annotations
        createdAt
        actor {
          ...ActorFields
        }
      }
    }
  }
  ${yt}
  ${bt}
  ${St}
`),It=V(`
  query VersionContext($slug: String!, $key: String!) {
    project(slug: $slug) {
      id
      artifact(schemaKey: $key) {
        current {
          id
          versionNumber
          value
        }
        latest {
          id
          versionNumber
        }
      }
    }
    artifactSchema(schemaKey: $key) {
      version
      jsonSchema
      createdAt
    }
  }
`),Lt=V(`
  query DiffAgainst($id: ID!, $against: ID!) {
    artifactVersion(id: $id) {
      id
      diff(against: $against)
    }
  }
`),Rt=V(`
  query ValueAsSchema($id: ID!, $schemaVersion: Int!) {
    artifactVersion(id: $id) {
      id
      value(asSchemaVersion: $schemaVersion)
    }
  }
`),zt=V(`
  query PromoteData($slug: String!) {
    project(slug: $slug) {
      id
      slug
      contextVersion
      contextEntries {
        path
        value
        contextVersion
        version {
          id
          schemaKey
          versionNumber
        }
      }
      versions(status: [APPROVED], first: 100, orderBy: { field: SCHEMA_KEY, direction: ASC }) {
        totalCount
        edges {
          node {
            id
            schemaKey
            versionNumber
            promoted
            value
            reviewedAt
            reviewedBy {
              ...ActorFields
            }
          }
        }
      }
    }
  }
  ${yt}
`),Bt=V(`
  mutation Promote($input: PromoteInput!) {
    promote(input: $input) {
      contextVersion
      promoted {
        id
        schemaKey
        versionNumber
      }
    }
  }
`),Vt=V(`
  query ContextChange($slug: String!, $from: Int!, $to: Int!) {
    project(slug: $slug) {
      id
      contextVersion
      before: contextAt(version: $from)
      after: contextAt(version: $to)
      approvals(action: [PROMOTE], first: 50) {
        edges {
          node {
            id
            contextVersion
            createdAt
            actor {
              ...ActorFields
            }
            version {
              id
              schemaKey
              versionNumber
            }
          }
        }
      }
    }
  }
  ${yt}
`),Ht=V(`
  query Runs(
    $slug: String!
    $first: Int
    $after: String
    $last: Int
    $before: String
    $where: RunFilter
    $orderBy: RunOrder
  ) {
    project(slug: $slug) {
      id
      runs(first: $first, after: $after, last: $last, before: $before, where: $where, orderBy: $orderBy) {
        totalCount
        pageInfo {
          hasNextPage
          hasPreviousPage
          startCursor
          endCursor
        }
        edges {
          node {
            id
            pipeline
            model
            status
            inputTokens
            outputTokens
            cost
            createdAt
            completedAt
            createdBy {
              ...ActorFields
            }
          }
        }
      }
    }
  }
  ${yt}
`),Ut=V(`
  query Costs($slug: String!, $groupBy: CostGrouping!, $from: DateTime, $to: DateTime) {
    project(slug: $slug) {
      id
      costSummary(groupBy: $groupBy, from: $from, to: $to) {
        key
        runs
        inputTokens
        outputTokens
        cost
        unpricedRuns
      }
    }
  }
`),Wt=V(`
  query RunPage($id: ID!) {
    run(id: $id) {
      id
      pipeline
      status
      input
      variables
      output
      error
      model
      inputTokens
      outputTokens
      cost
      createdAt
      startedAt
      completedAt
      createdBy {
        ...ActorFields
      }
      project {
        id
        slug
        name
      }
      parent {
        id
        pipeline
        status
      }
      children {
        id
        pipeline
        status
      }
      steps {
        id
        order
        agentId
        agentName
        output
        summary
        summaryTokenCount
        outputTokenCount
        model
        inputTokens
        outputTokens
        cost
        createdAt
      }
      inputs {
        id
        schemaKey
        versionNumber
        status
      }
      outputs {
        id
        schemaKey
        versionNumber
        status
        createdAt
      }
    }
  }
  ${yt}
`),Gt=V(`
  query ContextPage($slug: String!) {
    project(slug: $slug) {
      id
      slug
      tier
      contextVersion
      contextEntries {
        path
        value
        contextVersion
        promotedAt
        promotedBy {
          ...ActorFields
        }
        version {
          id
          schemaKey
          versionNumber
          status
          sourceRun {
            id
            pipeline
          }
        }
      }
      approvals(action: [PROMOTE], first: 100) {
        edges {
          node {
            id
            contextVersion
            createdAt
            actor {
              ...ActorFields
            }
            version {
              id
              schemaKey
              versionNumber
            }
          }
        }
      }
      runs(first: 50) {
        edges {
          node {
            id
            pipeline
            model
            status
            createdAt
          }
        }
      }
    }
  }
  ${yt}
`),Kt=V(`
  query ContextRevision($slug: String!, $version: Int!, $previous: Int!) {
    project(slug: $slug) {
      id
      at: contextAt(version: $version)
      before: contextAt(version: $previous)
    }
  }
`),qt=V(`
  query Assemble($runId: ID!, $budget: Int!, $paths: [String!], $shortTermSteps: Int) {
    assembleContext(runId: $runId, budgetTokens: $budget, paths: $paths, shortTermSteps: $shortTermSteps) {
      totalTokens
      budgetTokens
      contextVersion
      tokenizer
      items {
        tier
        source
        text
        tokens
        version {
          id
          schemaKey
          versionNumber
        }
        step {
          id
          order
          agentName
        }
      }
      dropped {
        tier
        source
        tokens
      }
    }
  }
`),Jt=Symbol.for(`pv`),Yt=0;Array.isArray;function W(t,n,r,i,a,o){n||={};var s,c,l=n;if(`ref`in l&&typeof t!=`function`)for(c in l={},n)c==`ref`?s=n[c]:l[c]=n[c];var u={type:t,props:l,key:r,ref:s,__k:null,__:null,__b:0,__e:null,__c:null,constructor:Jt,__v:--Yt,__i:-1,__u:0};return(a||o)&&(u.__source=a,u.__self=o),e.vnode&&e.vnode(u),u}var Xt={UNAUTHENTICATED:`The token is missing, wrong or revoked. Sign in again.`,FORBIDDEN:`This token's role does not allow it.`,NOT_FOUND:`It does not exist, or this token may not see it.`,CONFLICT:`Someone changed it first. Read it again and retry.`,INVALID_TRANSITION:`It is no longer in a state that allows this (already reviewed?).`,VALIDATION_FAILED:`The input was refused.`,RATE_LIMITED:`Too many requests: wait a moment.`,UNAVAILABLE:`Nothing was done: retry.`,OUTCOME_UNKNOWN:`The connection was lost while committing: reload before retrying.`,QUERY_TOO_COMPLEX:`The request was too large for the server limits.`,NETWORK:`Quire could not be reached.`};function G({error:e,title:t}){if(!e)return null;let n=Ze(e);return W(`div`,{class:`error-box`,role:`alert`,children:[t&&W(`p`,{class:`error-title`,children:t}),W(`ul`,{children:n.errors.map((e,t)=>{let n=e.extensions?.code,r=e.extensions?.violations,i=Object.entries(e.extensions??{}).filter(([e])=>e!==`code`&&e!==`violations`);return W(`li`,{children:[n&&W(`span`,{class:`code-badge`,children:n}),` `,e.message,n&&Xt[n]&&W(`span`,{class:`hint`,children:[` — `,Xt[n]]}),e.path&&W(`span`,{class:`hint`,children:[` (at `,e.path.join(`.`),`)`]}),r&&r.length>0&&W(`ul`,{class:`violations`,"aria-label":`Schema violations`,children:r.map((e,t)=>W(`li`,{children:[W(`code`,{children:e.pointer||`/`}),`: `,e.message]},t))}),i.length>0&&W(`dl`,{class:`ext`,children:i.map(([e,t])=>W(`div`,{children:[W(`dt`,{children:e}),W(`dd`,{children:typeof t==`string`?t:JSON.stringify(t)})]},e))})]},t)})})]})}function K(e){if(!e)return`—`;let t=new Date(e);return Number.isNaN(t.getTime())?e:t.toLocaleString(void 0,{year:`numeric`,month:`short`,day:`numeric`,hour:`2-digit`,minute:`2-digit`,second:`2-digit`})}function Zt(e,t=Date.now()){if(!e)return`—`;let n=new Date(e).getTime();if(Number.isNaN(n))return e;let r=Math.round((t-n)/1e3);if(r<5)return`just now`;if(r<60)return`${r} s ago`;let i=Math.round(r/60);if(i<60)return`${i} min ago`;let a=Math.round(i/60);return a<48?`${a} h ago`:`${Math.round(a/24)} days ago`}function q(e){return e==null?`—`:e.toLocaleString(`en-US`)}function Qt(e){if(e==null)return`—`;let[t=`0`,n]=e.split(`.`),r=t.startsWith(`-`),i=(r?t.slice(1):t).replace(/\B(?=(\d{3})+(?!\d))/g,`,`);return`${r?`-`:``}${i}${n?`.`+n:``}`}function $t(e){if(e<1024)return`${e} B`;let t=[`KiB`,`MiB`,`GiB`,`TiB`],n=e/1024,r=0;for(;n>=1024&&r<t.length-1;)n/=1024,r++;return`${n.toFixed(+(n<10))} ${t[r]}`}function J(e){return e.charAt(0)+e.slice(1).toLowerCase().replace(/_/g,` `)}function en(e=location.hash){let[t=``,n=``]=e.replace(/^#/,``).split(`?`,2);return{path:t.split(`/`).filter(e=>e.length>0).map(e=>decodeURIComponent(e)),query:new URLSearchParams(n)}}function Y(e,t){let n=`#/`+e.map(e=>encodeURIComponent(String(e))).join(`/`),r=new URLSearchParams;for(let[e,n]of Object.entries(t??{}))n&&r.set(e,n);let i=r.toString();return i?`${n}?${i}`:n}function tn(e,t=!1){t?history.replaceState(null,``,e):location.hash!==e&&(location.hash=e),window.dispatchEvent(new HashChangeEvent(`hashchange`))}function nn(){let[e,t]=I(()=>en());return L(()=>{let e=()=>t(en());return window.addEventListener(`hashchange`,e),()=>window.removeEventListener(`hashchange`,e)},[]),e}var rn=le(null);function an(){let e=Oe(rn);if(!e)throw Error(`no session`);return e}function on({runId:e,runs:t}){let[n,r]=I(e??t?.[0]?.id??``),[i,a]=I(`8000`),[o,s]=I(`2`),[c,l]=I(``),[u,d]=I(null),[f,p]=I(null),[m,h]=I(!1);return W(`div`,{class:`assemble`,children:[W(`form`,{class:`filters`,onSubmit:async e=>{if(e.preventDefault(),n){h(!0),p(null);try{let e=c.split(`,`).map(e=>e.trim()).filter(Boolean),t={runId:n,budget:Number(i)||8e3,shortTermSteps:Number(o)||0};e.length&&(t.paths=e),d((await U(qt,t)).assembleContext)}catch(e){p(e),d(null)}finally{h(!1)}}},"aria-label":`Assemble a run's context`,children:[t&&W(`div`,{class:`field`,children:[W(`label`,{for:`assemble-run`,children:`Run`}),W(`select`,{id:`assemble-run`,value:n,onChange:e=>r(e.target.value),children:t.map(e=>W(`option`,{value:e.id,children:e.label},e.id))})]}),W(`label`,{class:`field`,children:[W(`span`,{children:`Token budget`}),W(`input`,{type:`number`,min:1,max:1e7,value:i,onInput:e=>a(e.target.value)})]}),W(`label`,{class:`field`,children:[W(`span`,{children:`Short-term steps`}),W(`input`,{type:`number`,min:0,max:100,value:o,onInput:e=>s(e.target.value)})]}),W(`label`,{class:`field grow`,children:[W(`span`,{children:`Paths, most wanted first (comma-separated; empty: all)`}),W(`input`,{type:`text`,value:c,onInput:e=>l(e.target.value)})]}),W(`div`,{class:`filter-actions`,children:W(`button`,{type:`submit`,class:`btn`,disabled:m||!n,children:`Assemble`})})]}),W(G,{error:f}),u&&W(sn,{a:u})]})}function sn({a:e}){return W(`div`,{class:`assembled`,"aria-live":`polite`,children:[W(`p`,{children:[W(`strong`,{children:q(e.totalTokens)}),` of `,q(e.budgetTokens),` tokens (`,e.tokenizer,`), from context version`,` `,e.contextVersion,`; `,e.items.length,` item(s) kept, `,e.dropped.length,` dropped.`]}),W(`meter`,{min:0,max:e.budgetTokens,value:e.totalTokens,"aria-label":`Budget used`,class:`budget`}),W(`ol`,{class:`items`,children:e.items.map((e,t)=>W(`li`,{class:`item tier-${e.tier.toLowerCase()}`,children:[W(`div`,{class:`item-head`,children:[W(`span`,{class:`tier tier-${e.tier.toLowerCase()}`,children:J(e.tier)}),` `,W(`code`,{children:e.source}),` `,W(`span`,{class:`muted`,children:[q(e.tokens),` tokens`]}),e.version&&W(b,{children:[` `,`· `,W(`a`,{href:Y([`v`,e.version.id]),children:[e.version.schemaKey,` v`,e.version.versionNumber]})]})]}),W(`details`,{children:[W(`summary`,{children:`Text`}),W(`pre`,{class:`output`,children:e.text})]})]},t))}),e.dropped.length>0&&W(b,{children:[W(`h3`,{children:`Dropped to fit the budget (in the order they went)`}),W(`ol`,{class:`dropped`,children:e.dropped.map((e,t)=>W(`li`,{children:[J(e.tier),` `,W(`code`,{children:e.source}),` — `,q(e.tokens),` tokens`]},t))})]})]})}function cn({status:e}){return W(`span`,{class:`status status-${e.toLowerCase()}`,children:J(e)})}function X({actor:e}){return e?W(`span`,{class:`actor`,children:[e.name,` `,W(`span`,{class:`actor-type t-${e.type.toLowerCase()}`,children:J(e.type)})]}):W(`span`,{class:`muted`,children:`—`})}function Z({title:e,id:t,children:n,actions:r}){return W(`section`,{class:`card`,"aria-labelledby":`${t}-h`,children:[W(`div`,{class:`card-head`,children:[W(`h2`,{id:`${t}-h`,children:e}),r]}),n]})}function ln({what:e}){return W(`p`,{class:`muted`,role:`status`,children:[`Loading `,e,`…`]})}function un({p:e}){let t=e.requiredApprovals>0?Math.min(100,e.approvals/e.requiredApprovals*100):0;return W(`span`,{class:`progress`,children:[W(`span`,{class:`progress-text`,children:[e.approvals,`/`,e.requiredApprovals,` approvals`,e.stillNeeded>0&&`, ${e.stillNeeded} more needed`,e.missingActorTypes.length>0&&`; needs ${e.missingActorTypes.map(J).join(`, `)}`]}),W(`meter`,{class:`progress-meter`,min:0,max:100,value:t,"aria-label":`Approval progress`})]})}function dn(e){return typeof e==`object`&&!!e&&!Array.isArray(e)}var Q=Symbol(`missing`);function fn(e,t){if(t===``)return e;if(!t.startsWith(`/`))return Q;let n=e;for(let e of t.slice(1).split(`/`)){let t=e.replace(/~1/g,`/`).replace(/~0/g,`~`);if(Array.isArray(n)){if(!/^(0|[1-9]\d*)$/.test(t))return Q;let e=Number(t);if(e>=n.length)return Q;n=n[e]}else if(dn(n)){if(!Object.prototype.hasOwnProperty.call(n,t))return Q;n=n[t]}else return Q}return n}function pn(e,t){if(!t)return e;let n=e;for(let e of t.split(`.`))if(dn(n)&&Object.prototype.hasOwnProperty.call(n,e))n=n[e];else if(Array.isArray(n)&&/^\d+$/.test(e)&&Number(e)<n.length)n=n[Number(e)];else return Q;return n}function mn(e,t){if(e===t)return!0;if(typeof e!=typeof t||e===null||t===null||typeof e!=`object`||Array.isArray(e)!==Array.isArray(t))return!1;if(Array.isArray(e)&&Array.isArray(t))return e.length===t.length&&e.every((e,n)=>mn(e,t[n]));let n=e,r=t,i=Object.keys(n),a=Object.keys(r);return i.length===a.length&&i.every(e=>Object.prototype.hasOwnProperty.call(r,e)&&mn(n[e],r[e]))}function hn(e){return Array.isArray(e)?e.filter(e=>dn(e)&&typeof e.op==`string`&&typeof e.path==`string`):[]}function gn(e){return e.replace(/~/g,`~0`).replace(/\//g,`~1`)}function _n(e,t,n=``){if(mn(e,t))return[];if(dn(e)&&dn(t)){let r=[];for(let i of Object.keys(e))i in t||r.push({op:`remove`,path:`${n}/${gn(i)}`});for(let i of Object.keys(t)){let a=`${n}/${gn(i)}`;i in e?r.push(..._n(e[i],t[i],a)):r.push({op:`add`,path:a,value:t[i]})}return r}return[{op:`replace`,path:n,value:t}]}function vn(e){if(e===``)return`(whole value)`;let t=e.slice(1).split(`/`).map(e=>e.replace(/~1/g,`/`).replace(/~0/g,`~`)),n=``;for(let e of t)/^\d+$/.test(e)||e===`-`?n+=`[${e}]`:n+=n?`.${e}`:e;return n}function yn(e){return e===Q?``:typeof e==`string`?e:JSON.stringify(e,null,2)??String(e)}var bn=/^(https?:|mailto:)/i,xn=/(`+)([\s\S]*?[^`])\1(?!`)|(\*\*|__)(?=\S)([\s\S]*?\S)\3|(\*|_)(?=\S)([\s\S]*?\S)\5|~~(?=\S)([\s\S]*?\S)~~|!?\[([^\]]*)\]\(\s*<?([^)\s>]*)>?(?:\s+"[^"]*")?\s*\)|<((?:https?:\/\/|mailto:)[^>\s]+)>|(https?:\/\/[^\s<]*[^\s<.,;:!?)\]'"])/;function Sn(e,t,n){return bn.test(e)?W(`a`,{href:e,rel:`noopener noreferrer nofollow`,target:`_blank`,children:t},n):W(`span`,{children:t},n)}function Cn(e,t=0){let n=[],r=e,i=0;for(;r.length>0;){let e=t>8?null:xn.exec(r);if(!e){n.push(r);break}e.index>0&&n.push(r.slice(0,e.index));let a=e[0];if(e[1]!==void 0)n.push(W(`code`,{children:e[2].replace(/^ (.*) $/,`$1`)},i++));else if(e[3]!==void 0)n.push(W(`strong`,{children:Cn(e[4],t+1)},i++));else if(e[5]!==void 0){let o=r[e.index-1];e[5]===`_`&&o&&/\w/.test(o)?n.push(a):n.push(W(`em`,{children:Cn(e[6],t+1)},i++))}else e[7]===void 0?e[8]===void 0?e[10]===void 0?e[11]!==void 0&&n.push(Sn(e[11],e[11],i++)):n.push(Sn(e[10],e[10],i++)):a.startsWith(`!`)?n.push(W(`span`,{class:`md-image`,children:[`[image: `,e[8]||`untitled`,` — `,e[9],`]`]},i++)):n.push(Sn(e[9],Cn(e[8],t+1),i++)):n.push(W(`del`,{children:Cn(e[7],t+1)},i++));r=r.slice(e.index+a.length)}return n}function wn(e){let t=e.split(`
`),n=[];return t.forEach((e,t)=>{t>0&&n.push(W(`br`,{},`br${t}`)),n.push(...Cn(e.replace(/\s+$/,``)))}),n}var Tn=/^ {0,3}(`{3,}|~{3,})\s*([\w+-]*)/,En=/^ {0,3}(#{1,6})\s+(.*?)(?:\s+#+)?\s*$/,Dn=/^ {0,3}([-*_])(\s*\1){2,}\s*$/,On=/^ {0,3}> ?/,kn=/^(\s*)([-*+]|\d{1,9}[.)])\s+(.*)$/,An=/^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$/;function jn(e){return e.trim().replace(/^\|/,``).replace(/\|$/,``).split(/(?<!\\)\|/).map(e=>e.trim().replace(/\\\|/g,`|`))}function Mn(e,t){return Tn.test(e)||En.test(e)||Dn.test(e)||On.test(e)||kn.test(e)||e.includes(`|`)&&t!==void 0&&An.test(t)}function Nn(e,t){let n=[],r=0,i=0;for(;r<e.length;){let a=e[r];if(a.trim()===``){r++;continue}let o=Tn.exec(a);if(o){let t=[];for(r++;r<e.length&&!e[r].trimStart().startsWith(o[1]);)t.push(e[r++]);r++,n.push(W(`pre`,{class:`md-code`,children:W(`code`,{children:t.join(`
`)})},i++));continue}let s=En.exec(a);if(s){let e=`h${Math.min(6,s[1].length+3)}`;n.push(W(e,{class:`md-h`,children:Cn(s[2])},i++)),r++;continue}if(Dn.test(a)){n.push(W(`hr`,{},i++)),r++;continue}if(On.test(a)){let a=[];for(;r<e.length&&e[r].trim()!==``&&(On.test(e[r])||a.length>0);)a.push(e[r].replace(On,``)),r++;n.push(W(`blockquote`,{children:t<6?Nn(a,t+1):a.join(`
`)},i++));continue}let c=kn.exec(a);if(c){let a=c[1].length,o=/\d/.test(c[2]),s=o?parseInt(c[2],10):1,l=[];for(;r<e.length;){let t=e[r],n=kn.exec(t);if(n&&n[1].length===a&&/\d/.test(n[2])===o)l.push([n[3]]),r++;else if(t.trim()===``&&r+1<e.length&&/^\s+\S/.test(e[r+1])&&e[r+1].search(/\S/)>a)l[l.length-1].push(``),r++;else if(t.trim()!==``&&t.search(/\S/)>a)l[l.length-1].push(t.slice(Math.min(t.search(/\S/),a+2))),r++;else break}let u=l.map((e,n)=>{let r=e[0],i=null,a=/^\[([ xX])\]\s+/.exec(r);if(a){let e=a[1]!==` `;i=W(`span`,{role:`img`,"aria-label":e?`done`:`not done`,children:e?`☑ `:`☐ `}),r=r.slice(a[0].length)}let o=e.slice(1);return W(`li`,{children:[i,wn(r),o.length>0&&t<6&&Nn(o,t+1)]},n)});n.push(o?W(`ol`,{start:s,children:u},i++):W(`ul`,{children:u},i++));continue}if(a.includes(`|`)&&r+1<e.length&&An.test(e[r+1])){let t=jn(a),o=[];for(r+=2;r<e.length&&e[r].includes(`|`)&&e[r].trim()!==``;)o.push(jn(e[r++]));n.push(W(`div`,{class:`scroll-x`,children:W(`table`,{class:`md-table`,children:[W(`thead`,{children:W(`tr`,{children:t.map((e,t)=>W(`th`,{scope:`col`,children:Cn(e)},t))})}),W(`tbody`,{children:o.map((e,n)=>W(`tr`,{children:t.map((t,n)=>W(`td`,{children:Cn(e[n]??``)},n))},n))})]})},i++));continue}let l=[a];for(r++;r<e.length&&e[r].trim()!==``&&!Mn(e[r],e[r+1]);)l.push(e[r++]);n.push(W(`p`,{children:wn(l.join(`
`).trim())},i++))}return n}function Pn({text:e}){return W(`div`,{class:`markdown`,children:Nn(e.replace(/\r\n?/g,`
`).split(`
`),0)})}function Fn(e){return e.length<12?!1:/(^|\n)(#{1,6} |[-*+] |\d+\. |> |```)|\*\*[^*]+\*\*|\[[^\]]+\]\([^)]+\)|\n\n/.test(e)}function In({v:e,opts:t}){if(e===null)return W(`span`,{class:`j-null`,children:`null`});switch(typeof e){case`string`:return t.markdown&&Fn(e)?W(`div`,{class:`j-md`,children:W(Pn,{text:e})}):e.includes(`
`)||e.length>120?W(`pre`,{class:`j-str j-long`,children:e}):W(`span`,{class:`j-str`,children:[`"`,e,`"`]});case`number`:return W(`span`,{class:`j-num`,children:String(e)});case`boolean`:return W(`span`,{class:`j-bool`,children:String(e)});default:return W(`span`,{children:JSON.stringify(e)})}}function Ln({label:e,v:t,depth:n,opts:r}){let i=Array.isArray(t);if(i||dn(t)){let a=i?t.map((e,t)=>[String(t),e]):Object.entries(t),o=i?`[${a.length}]`:`{${a.length}}`;return a.length===0?W(`li`,{children:[e,W(`span`,{class:`j-meta`,children:i?`[]`:`{}`})]}):W(`li`,{children:W(`details`,{open:n<r.openDepth,children:[W(`summary`,{children:[e,W(`span`,{class:`j-meta`,children:o})]}),W(`ul`,{class:`j-children`,children:a.map(([e,t])=>W(Ln,{label:W(`span`,{class:i?`j-idx`:`j-key`,children:i?`[${e}]`:e}),v:t,depth:n+1,opts:r},e))})]})})}return W(`li`,{class:`j-leaf`,children:[e,W(In,{v:t,opts:r})]})}function Rn({value:e,label:t,openDepth:n=3,markdownToggle:r=!0}){let[i,a]=I(!0);return W(`div`,{class:`json-tree`,children:[r&&zn(e)&&W(`label`,{class:`inline-check`,children:[W(`input`,{type:`checkbox`,checked:i,onChange:e=>a(e.target.checked)}),`Render markdown in `,t]}),W(`ul`,{class:`j-root`,"aria-label":t,children:W(Ln,{label:W(`span`,{class:`j-key j-rootkey`,children:t}),v:e,depth:0,opts:{markdown:i,openDepth:n}})})]})}function zn(e,t={n:2e3}){return t.n--<=0?!1:typeof e==`string`?Fn(e):Array.isArray(e)?e.some(e=>zn(e,t)):dn(e)?Object.values(e).some(e=>zn(e,t)):!1}function Bn(e,t=90){let n;try{n=typeof e==`string`?e:JSON.stringify(e)??String(e)}catch{n=String(e)}return n.length>t?n.slice(0,t-1)+`…`:n}function Vn({v:e,empty:t}){if(e===Q)return W(`span`,{class:`absent`,children:t});let n=yn(e);return typeof e==`string`?W(`pre`,{class:`diff-val`,children:e.includes(`
`)?e:JSON.stringify(e)}):W(`pre`,{class:`diff-val`,children:n})}var Hn={add:`added`,remove:`removed`,replace:`changed`,move:`moved`,copy:`copied`,test:`test`};function Un({patch:e,before:t,beforeLabel:n,afterLabel:r,caption:i}){let a=hn(e).filter(e=>e.op!==`test`);return a.length===0?W(`p`,{class:`muted`,children:[i,`: no difference.`]}):W(`div`,{class:`scroll-x`,children:W(`table`,{class:`diff-table`,children:[W(`caption`,{children:[i,` — `,a.length,` change`,a.length===1?``:`s`]}),W(`thead`,{children:W(`tr`,{children:[W(`th`,{scope:`col`,children:`Path`}),W(`th`,{scope:`col`,children:n}),W(`th`,{scope:`col`,children:r})]})}),W(`tbody`,{children:a.map((e,i)=>W(Wn,{o:e,before:t,beforeLabel:n,afterLabel:r},i))})]})})}function Wn({o:e,before:t,beforeLabel:n,afterLabel:r}){let i=e.op===`add`?fn(t,e.path):e.op===`move`?fn(t,e.from??``):fn(t,e.path),a=Q;e.op===`add`||e.op===`replace`?a=e.value:(e.op===`move`||e.op===`copy`)&&(a=fn(t,e.from??``));let o=Hn[e.op]??e.op;return W(`tr`,{class:`op-${e.op}`,children:[W(`th`,{scope:`row`,children:[W(`span`,{class:`op-badge op-${e.op}`,children:o}),` `,W(`code`,{children:vn(e.path)}),e.from!==void 0&&W(`span`,{class:`muted`,children:[` from `,W(`code`,{children:vn(e.from)})]})]}),W(`td`,{class:`diff-old`,"data-label":n,children:W(Vn,{v:e.op===`add`&&i===Q?Q:i,empty:`(absent)`})}),W(`td`,{class:`diff-new`,"data-label":r,children:W(Vn,{v:a,empty:e.op===`remove`?`(removed)`:`(absent)`})})]})}function Gn(e){let t={seg:``,path:``,children:new Map};for(let n of e){let e=t,r=n.path.split(`.`);r.forEach((t,n)=>{let i=e.children.get(t);i||(i={seg:t,path:r.slice(0,n+1).join(`.`),children:new Map},e.children.set(t,i)),e=i}),e.entry=n}return t}function Kn({n:e}){let t=[...e.children.values()],n=null;if(e.entry){let t=e.entry;n=W(`div`,{class:`ctx-entry`,children:[W(`p`,{class:`meta`,children:[`from`,` `,W(`a`,{href:Y([`v`,t.version.id]),children:[t.version.schemaKey,` v`,t.version.versionNumber]}),t.version.sourceRun&&W(b,{children:[` `,`(run `,W(`a`,{href:Y([`r`,t.version.sourceRun.id]),children:t.version.sourceRun.pipeline}),`)`]}),` `,`· promoted in context v`,t.contextVersion,` by `,W(X,{actor:t.promotedBy}),`, `,K(t.promotedAt)]}),W(Rn,{value:t.value,label:e.path,openDepth:1})]})}return W(`li`,{children:[W(`span`,{class:`ctx-seg`,children:[W(`code`,{children:e.seg}),e.entry&&W(`span`,{class:`tag ok`,children:`promoted`})]}),n,t.length>0&&W(`ul`,{class:`ctx-tree`,children:t.map(e=>W(Kn,{n:e},e.path))})]})}function qn({slug:e}){let[t,n]=I(null),[r,i]=I(null);if(L(()=>{let t=!1;return n(null),U(Gt,{slug:e}).then(r=>{t||(r.project?n(r.project):i(new H([{message:`no project ${e}`,extensions:{code:`NOT_FOUND`}}])))}).catch(e=>!t&&i(e)),()=>{t=!0}},[e]),r)return W(G,{error:r,title:`The context cannot be shown`});if(!t)return W(ln,{what:`the context`});let a=Gn(t.contextEntries);return W(`div`,{class:`context-view`,children:[W(`div`,{class:`view-head`,children:[W(`h1`,{children:`Context`}),W(`span`,{class:`tag`,children:[`version `,t.contextVersion]}),W(`span`,{class:`tag`,children:[`tier `,t.tier]})]}),W(`div`,{class:`grid`,children:[W(Z,{title:`Promoted paths`,id:`tree`,children:t.contextEntries.length===0?W(`p`,{class:`empty`,children:`Nothing is promoted yet.`}):W(`ul`,{class:`ctx-tree ctx-root`,"aria-label":`Context paths`,children:[...a.children.values()].map(e=>W(Kn,{n:e},e.path))})}),W(Z,{title:`Revisions`,id:`revisions`,children:W(Jn,{p:t,slug:e})})]}),W(Z,{title:`Assembled context for a run`,id:`assembled`,children:[W(`p`,{class:`muted`,children:`The context a run's next agent gets, as assembleContext gives it.`}),t.runs.edges.length===0?W(`p`,{class:`muted`,children:`No runs yet.`}):W(on,{runs:t.runs.edges.map(({node:e})=>({id:e.id,label:`${e.pipeline}${e.model?` (${e.model})`:``} · ${e.status.toLowerCase()} · ${K(e.createdAt)}`}))})]})]})}function Jn({p:e,slug:t}){let[n,r]=I(e.contextVersion),[i,a]=I(null),[o,s]=I(null);L(()=>{let e=!1;return a(null),s(null),U(Kt,{slug:t,version:n,previous:Math.max(0,n-1)}).then(t=>!e&&a(t.project??null)).catch(t=>!e&&s(t)),()=>{e=!0}},[t,n]);let c=e.approvals.edges.map(e=>e.node).filter(e=>e.contextVersion===n);return e.contextVersion===0?W(`p`,{class:`muted`,children:`The context has had no promotion yet (version 0 is empty).`}):W(`div`,{class:`revisions`,children:[W(`div`,{class:`rev-nav`,children:[W(`button`,{type:`button`,class:`btn small`,disabled:n<=1,onClick:()=>r(n-1),"aria-label":`Older revision`,children:`← Older`}),W(`label`,{class:`field inline`,children:[W(`span`,{children:`Revision`}),W(`input`,{type:`range`,min:1,max:e.contextVersion,value:n,onInput:e=>r(Number(e.target.value)),"aria-valuetext":`context version ${n} of ${e.contextVersion}`})]}),W(`output`,{"aria-live":`polite`,children:[`v`,n,` of `,e.contextVersion]}),W(`button`,{type:`button`,class:`btn small`,disabled:n>=e.contextVersion,onClick:()=>r(n+1),"aria-label":`Newer revision`,children:`Newer →`})]}),c.length>0?W(`ul`,{class:`link-list`,children:c.map(e=>W(`li`,{children:[e.version?W(`a`,{href:Y([`v`,e.version.id]),children:[e.version.schemaKey,` v`,e.version.versionNumber]}):`a version`,` `,`promoted by `,W(X,{actor:e.actor}),`, `,K(e.createdAt)]},e.id))}):W(`p`,{class:`muted`,children:`No promotion entry for this revision (a schema upgrade makes revisions too).`}),W(G,{error:o}),!i&&!o&&W(ln,{what:`context v${n}`}),i&&W(b,{children:[W(Un,{patch:_n(i.before??{},i.at??{}),before:i.before??{},beforeLabel:`v${n-1}`,afterLabel:`v${n}`,caption:`What v${n} changed`}),W(`details`,{children:[W(`summary`,{children:[`The whole context at v`,n]}),W(Rn,{value:i.at??{},label:`context v${n}`,openDepth:2})]})]})]})}function Yn(e,t,n){let r=t.split(`.`),i=e;r.forEach((e,t)=>{t===r.length-1?i[e]=n:((typeof i[e]!=`object`||i[e]===null)&&(i[e]={}),i=i[e])})}function Xn(e,t){let n=e.schemaKey,r=t.find(e=>e.path===n),i=t.find(e=>n.startsWith(e.path+`.`))??null,a=t.filter(e=>e.path.startsWith(n+`.`));if(r)return{v:e,before:r.value,hasBefore:!0,replaces:a,blockedBy:i};if(a.length>0){let t={};for(let e of a)Yn(t,e.path.slice(n.length+1),e.value);return{v:e,before:t,hasBefore:!0,replaces:a,blockedBy:i}}return{v:e,before:null,hasBefore:!1,replaces:a,blockedBy:i}}function Zn({slug:e}){let t=an(),[n,r]=I(null),[i,a]=I(null),[o,s]=I(new Set),[c,l]=I(!1),[u,d]=I(!1),[f,p]=I(null),[m,h]=I(null),[g,_]=I(null),v=async()=>{try{let t=await U(zt,{slug:e});if(!t.project)throw new H([{message:`no project ${e}`,extensions:{code:`NOT_FOUND`}}]);return r(t.project),a(null),t.project}catch(e){return a(e),null}};if(L(()=>{r(null),s(new Set),_(null),p(null),v()},[e]),i)return W(G,{error:i,title:`The promotion view cannot be shown`});if(!n)return W(ln,{what:`approved versions`});let y=n.versions.edges.map(e=>e.node),x=y.filter(e=>c||!e.promoted||o.has(e.id)),S=y.filter(e=>o.has(e.id)).map(e=>Xn(e,n.contextEntries)),C=(e,t)=>{s(n=>{let r=new Set(n);return t?r.add(e):r.delete(e),r})},w=async r=>{if(!(S.length===0||u)){d(!0),h(null),p(null);try{let e=await U(Bt,{input:{projectId:n.id,expectedContextVersion:r,versionIds:S.map(e=>e.v.id)}}),i=`Promoted ${e.promote.promoted.map(e=>`${e.schemaKey} v${e.versionNumber}`).join(`, `)}. The context is now version ${e.promote.contextVersion}.`;p(i),t.announce(i),_(null),s(new Set),await v()}catch(n){let i=Ze(n),a=i.ext(`currentContextVersion`);if(i.hasCode(`CONFLICT`)&&typeof a==`number`){t.announce(`Conflict: the context moved from version ${r} to ${a}.`);let n={expected:r,current:a,change:null};_(n);try{let t=await U(Vt,{slug:e,from:r,to:a});_({...n,change:t.project??null})}catch(e){_({...n,error:e})}let i=await v();if(i){let e=new Set(i.versions.edges.map(e=>e.node.id));s(t=>new Set([...t].filter(t=>e.has(t))))}}else h(i),t.announce(`Promotion failed: ${i.message}`)}finally{d(!1)}}},T=n.contextVersion;return W(`div`,{class:`promote-view`,children:[W(`div`,{class:`view-head`,children:[W(`h1`,{children:`Promote into the context`}),W(`span`,{class:`tag`,children:[`context v`,T]})]}),W(`p`,{class:`muted`,children:[`Approved values are written into the project context at their schema keys. The promotion applies only if the context is still at version `,T,` (the one read here).`]}),t.canReview===!1&&W(`p`,{class:`notice`,children:`This token may read only: it cannot promote.`}),f&&W(`p`,{class:`notice ok`,role:`status`,children:f}),g&&W(`section`,{class:`notice warn conflict`,"aria-labelledby":`conflict-h`,role:`alert`,children:[W(`h2`,{id:`conflict-h`,children:`Conflict: the context changed`}),W(`p`,{children:[`You read context version `,g.expected,`; it is now version `,g.current,`. Nothing was promoted.`]}),W(G,{error:g.error}),g.change&&W(b,{children:[W(`ul`,{children:g.change.approvals.edges.map(e=>e.node).filter(e=>e.contextVersion!=null&&e.contextVersion>g.expected&&e.contextVersion<=g.current).map(e=>W(`li`,{children:[`Context v`,e.contextVersion,`: `,e.version?`${e.version.schemaKey} v${e.version.versionNumber}`:`a version`,` promoted by`,` `,W(X,{actor:e.actor}),` at `,K(e.createdAt)]},e.id))}),W(Un,{patch:_n(g.change.before??{},g.change.after??{}),before:g.change.before??{},beforeLabel:`context v${g.expected}`,afterLabel:`context v${g.current}`,caption:`What changed in the context meanwhile`})]}),W(`p`,{children:`The change your selection would make is shown again below, against the new context.`}),W(`button`,{type:`button`,class:`btn ok`,disabled:u||S.length===0,onClick:()=>void w(T),children:[`Retry on context v`,T]})]}),W(G,{error:m,title:`Nothing was promoted`}),W(Z,{title:`Approved versions`,id:`approved`,children:[W(`label`,{class:`inline-check`,children:[W(`input`,{type:`checkbox`,checked:c,onChange:e=>l(e.target.checked)}),`Also show versions already in the context`]}),x.length===0?W(`p`,{class:`empty`,children:`No approved version waits for promotion.`}):W(`div`,{class:`scroll-x`,children:W(`table`,{class:`data select-table`,children:[W(`caption`,{class:`sr-only`,children:`Approved versions to promote`}),W(`thead`,{children:W(`tr`,{children:[W(`th`,{scope:`col`,children:W(`span`,{class:`sr-only`,children:`Select`})}),W(`th`,{scope:`col`,children:`Key`}),W(`th`,{scope:`col`,children:`Value`}),W(`th`,{scope:`col`,children:`Approved`}),W(`th`,{scope:`col`,children:`In context`})]})}),W(`tbody`,{children:x.map(e=>W(`tr`,{class:o.has(e.id)?`selected`:``,children:[W(`td`,{children:W(`input`,{type:`checkbox`,id:`sel-${e.id}`,checked:o.has(e.id),onChange:t=>C(e.id,t.target.checked),"aria-label":`Select ${e.schemaKey} v${e.versionNumber}`})}),W(`th`,{scope:`row`,children:W(`a`,{href:Y([`v`,e.id]),children:[e.schemaKey,` v`,e.versionNumber]})}),W(`td`,{class:`clip`,children:W(`code`,{children:Bn(e.value,60)})}),W(`td`,{children:W(X,{actor:e.reviewedBy})}),W(`td`,{children:e.promoted?`yes`:`no`})]},e.id))})]})})]}),W(Z,{title:`What the promotion would change`,id:`plan`,children:S.length===0?W(`p`,{class:`muted`,children:`Select approved versions to see the change they would make.`}):W(b,{children:[S.map(e=>W(`div`,{class:`plan`,children:[W(`h3`,{children:[W(`code`,{children:e.v.schemaKey}),` ← v`,e.v.versionNumber]}),e.blockedBy&&W(`p`,{class:`notice warn`,children:[W(`code`,{children:e.blockedBy.path}),` is promoted as a whole: promoting a key below it is refused (CONFLICT). Promote a version of `,W(`code`,{children:e.blockedBy.path}),` that holds it instead.`]}),e.replaces.length>0&&W(`p`,{class:`notice`,children:[`Replaces the promoted paths below it: `,e.replaces.map(e=>e.path).join(`, `),`.`]}),e.hasBefore?W(Un,{patch:_n(e.before,e.v.value),before:e.before,beforeLabel:`context v${T}`,afterLabel:`after promotion`,caption:`Context at ${e.v.schemaKey}`}):W(b,{children:[W(`p`,{children:`A new path in the context:`}),W(Rn,{value:e.v.value,label:e.v.schemaKey,openDepth:2})]})]},e.v.id)),t.canReview!==!1&&W(`div`,{class:`actions`,children:W(`button`,{type:`button`,class:`btn ok`,disabled:u,onClick:()=>void w(T),children:[`Promote `,S.length,` version`,S.length===1?``:`s`,` at context v`,T]})})]})})]})}async function Qn(e,t,n,r){let i={versionId:t};n&&(i.reason=n),r!==void 0&&(i.feedback=r);let a;a=e===`approve`?(await U(Mt,{input:i})).approveVersion:e===`reject`?(await U(Nt,{input:i})).rejectVersion:(await U(Pt,{input:i})).requestChanges;let o=`${a.schemaKey} v${a.versionNumber}`,s=a.approvalProgress,c=e===`approve`&&a.status===`PENDING`,l;if(c){let e=s.missingActorTypes.length>0?`; still needs an approver of type ${s.missingActorTypes.map(J).join(`, `)}`:``;l=`Your approval of ${o} counted (${s.approvals} of ${s.requiredApprovals}). The quorum is still open: ${s.stillNeeded} more approval${s.stillNeeded===1?``:`s`} needed${e}. It stays pending.`}else l=e===`approve`?`Approved ${o}.`:e===`reject`?`Rejected ${o}.`:`Requested changes on ${o}.`;return{kind:e,version:a,quorumOpen:c,message:l}}function $n({kind:e,target:t,topPaths:n,onDone:r,onCancel:i}){let a=Te(null),[o,s]=I(``),[c,l]=I([{path:``,note:``}]),[u,d]=I(null),[f,p]=I(!1);L(()=>{let e=a.current;e&&!e.open&&e.showModal(),(e?.querySelector(`textarea, input`))?.focus()},[]);let m=e===`reject`?`Reject`:`Request changes on`,h=async n=>{n.preventDefault(),d(null);let i=c.filter(e=>e.note.trim()!==``);if(e===`reject`&&o.trim()===``){d(Ze(Error(`Give a reason for the rejection.`)));return}if(e===`changes`&&i.length===0&&o.trim()===``){d(Ze(Error(`Say what should change: a reason or at least one change.`)));return}let s=e===`changes`&&i.length>0?{changes:i.map(e=>e.path.trim()?{path:e.path.trim(),note:e.note.trim()}:{note:e.note.trim()})}:void 0;p(!0);try{let n=await Qn(e,t.id,o.trim()||void 0,s);a.current?.close(),r(n)}catch(e){d(Ze(e))}finally{p(!1)}},g=(e,t)=>l(n=>n.map((n,r)=>r===e?{...n,...t}:n));return W(`dialog`,{ref:a,class:`dialog`,"aria-labelledby":`decision-title`,onCancel:e=>{e.preventDefault(),a.current?.close(),i()},children:W(`form`,{onSubmit:h,children:[W(`h2`,{id:`decision-title`,children:[m,` `,t.schemaKey,` v`,t.versionNumber]}),W(`label`,{class:`field`,children:[W(`span`,{children:e===`reject`?`Reason (required)`:`Summary (optional)`}),W(`textarea`,{name:`reason`,rows:3,maxLength:8192,value:o,onInput:e=>s(e.target.value)})]}),e===`changes`&&W(`fieldset`,{class:`changes`,children:[W(`legend`,{children:`What to change (kept as structured feedback for the next attempt)`}),W(`datalist`,{id:`value-paths`,children:n.map(e=>W(`option`,{value:e},e))}),c.map((e,t)=>W(`div`,{class:`change-row`,children:[W(`label`,{class:`field`,children:[W(`span`,{children:[`Path `,t+1,` (optional)`]}),W(`input`,{type:`text`,list:`value-paths`,value:e.path,placeholder:`e.g. colors.0`,onInput:e=>g(t,{path:e.target.value})})]}),W(`label`,{class:`field grow`,children:[W(`span`,{children:[`Change `,t+1]}),W(`input`,{type:`text`,value:e.note,onInput:e=>g(t,{note:e.target.value})})]}),c.length>1&&W(`button`,{type:`button`,class:`btn small`,"aria-label":`Remove change ${t+1}`,onClick:()=>l(e=>e.filter((e,n)=>n!==t)),children:`Remove`})]},t)),W(`button`,{type:`button`,class:`btn small`,onClick:()=>l(e=>[...e,{path:``,note:``}]),children:`Add a change`})]}),W(G,{error:u}),W(`div`,{class:`dialog-actions`,children:[W(`button`,{type:`submit`,class:e===`reject`?`btn danger`:`btn warn`,disabled:f,children:e===`reject`?`Reject`:`Request changes`}),W(`button`,{type:`button`,class:`btn`,onClick:()=>{a.current?.close(),i()},children:`Cancel`})]})]})})}function er(e){if(typeof e!=`object`||!e)return[];let t=[],n=(e,r,i)=>{if(!(i>2||typeof e!=`object`||!e||t.length>60))for(let[a,o]of Object.entries(e)){let e=r?`${r}.${a}`:a;t.push(e),n(o,e,i+1)}};return n(e,``,0),t}function tr(e){let t=e.split(`;`)[0].trim().toLowerCase();return/^image\/(png|jpeg|gif|webp|avif|bmp|svg\+xml)$/.test(t)?`image`:t===`application/pdf`?`pdf`:t===`text/plain`||t===`application/json`||t===`text/markdown`||t===`text/csv`||t.endsWith(`+json`)?`text`:null}var nr=262144;function rr({f:e,primary:t}){let n=tr(e.contentType),[r,i]=I(null),[a,o]=I(null),[s,c]=I(null),[l,u]=I(!1),d=Te([]);L(()=>()=>{d.current.forEach(e=>URL.revokeObjectURL(e))},[]);let f=async()=>{u(!0),c(null);try{return await ct(e.url)}catch(e){return c(e),null}finally{u(!1)}},p=async()=>{let t=await f();if(t){if(n===`text`){let e=t.size>nr?t.slice(0,nr):t;o(await e.text()+(t.size>nr?`
… (first 256 KiB shown; download for all)`:``))}else{let n=new Blob([t],{type:e.contentType}),r=URL.createObjectURL(n);d.current.push(r),i(r)}}},m=async()=>{let t=await f();if(!t)return;let n=URL.createObjectURL(new Blob([t],{type:`application/octet-stream`}));d.current.push(n);let r=document.createElement(`a`);r.href=n,r.download=e.filename||e.id,r.rel=`noopener`,document.body.appendChild(r),r.click(),r.remove()},h=e.filename||e.id;return W(`li`,{class:`file`,children:[W(`div`,{class:`file-head`,children:[W(`span`,{class:`file-name`,children:h}),t&&W(`span`,{class:`tag`,children:`primary`}),W(`span`,{class:`muted`,children:[e.contentType,` · `,$t(e.size),` · sha256 `,W(`code`,{title:e.sha256,children:[e.sha256.slice(0,12),`…`]})]}),W(`span`,{class:`file-actions`,children:[n&&!r&&a===null&&W(`button`,{type:`button`,class:`btn small`,onClick:p,disabled:l,"aria-label":`Preview ${h}`,children:`Preview`}),W(`button`,{type:`button`,class:`btn small`,onClick:m,disabled:l,"aria-label":`Download ${h}`,children:`Download`})]})]}),l&&W(`p`,{class:`muted`,role:`status`,children:[`Fetching `,h,`…`]}),W(G,{error:s}),r&&n===`image`&&W(`img`,{class:`file-img`,src:r,alt:`Preview of ${h}`}),r&&n===`pdf`&&W(`object`,{class:`file-pdf`,data:r,type:`application/pdf`,"aria-label":`Preview of ${h}`,children:W(`p`,{children:`This browser shows no PDF here: use Download.`})}),a!==null&&W(`pre`,{class:`file-text`,tabIndex:0,"aria-label":`Contents of ${h}`,children:a})]})}function ir({files:e,primaryId:t}){return e.length===0?W(`p`,{class:`muted`,children:`No files.`}):W(`ul`,{class:`files`,children:e.map(e=>W(rr,{f:e,primary:e.id===t},e.id))})}function ar(e,t){return!t||e===t||e.startsWith(t+`.`)}var or=[[`pending`,`Pending`],[`approved`,`Approved`],[`changesRequested`,`Changes requested`],[`rejected`,`Rejected`],[`superseded`,`Superseded`]];function sr(e){if(e.ctrlKey||e.metaKey||e.altKey||e.defaultPrevented)return!0;let t=e.target;if(!t)return!1;let n=t.tagName;return n===`INPUT`||n===`TEXTAREA`||n===`SELECT`||t.isContentEditable?!0:document.querySelector(`dialog[open]`)!==null}function cr(){let[e,t]=I(`idle`);L(()=>pt(t),[]);let n=e===`live`?`Live`:e===`connecting`?`Connecting…`:e===`down`?`Reconnecting…`:`Idle`;return W(`span`,{class:`live live-${e}`,role:`status`,"aria-label":`Live updates: ${n}`,children:[W(`span`,{class:`dot`,"aria-hidden":`true`}),` `,n]})}function lr({slug:e,prefix:t}){let n=an(),r=Ee(()=>e?n.projects.filter(t=>t.slug===e):n.projects,[e,n.projects]),i=Te(new Map),a=Te(new Map),o=Te(new Set),s=Te(new Set),[,c]=I(0),l=De(()=>c(e=>e+1),[]),[u,d]=I(0),[f,p]=I(null),[m,h]=I(null),[g,_]=I(null),v=Te(0),[y,x]=I(null),[S,C]=I(null),[w,T]=I(!1),[E,ee]=I(null),D=Te(void 0),O=()=>[...i.current.values()].sort((e,t)=>e.createdAt<t.createdAt?-1:e.createdAt>t.createdAt?1:e.id<t.id?-1:1),k=De(()=>{clearTimeout(D.current),D.current=setTimeout(async()=>{try{let n=t?{prefix:t}:{},r;if(e){let t=await U(Ot,{slug:e,...n});r=t.project?[t.project]:[]}else r=(await U(kt,n)).projects.edges.map(e=>e.node);let i={};for(let[e]of or)i[e]=r.reduce((t,n)=>t+n[e].totalCount,0);h(i)}catch(e){p(e)}},250)},[e,t]);L(()=>{let s=!1,c=(r,a)=>{let s=r.version;if(r.change===`ADDED`){if(s.status!==`PENDING`||!ar(s.schemaKey,t))return;let r=i.current.has(s.id);i.current.set(s.id,s),!r&&a&&(o.current.add(s.id),setTimeout(()=>{o.current.delete(s.id),l()},6e3),n.announce(`New in the review queue: ${s.schemaKey} version ${s.versionNumber}${e?``:` in ${s.project.slug}`}.`))}else i.current.delete(s.id)&&a&&n.announce(`Left the review queue: ${s.schemaKey} version ${s.versionNumber} (${s.status.toLowerCase().replace(`_`,` `)}).`)},u=async e=>{a.current.set(e.id,[]);try{let n=[],r=null;for(let i=0;i<10;i++){let i={slug:e.slug};t&&(i.prefix=t),r&&(i.after=r);let a=(await U(Tt,i)).project?.reviewQueue;if(!a||(n.push(...a.edges.map(e=>e.node)),!a.pageInfo.hasNextPage||!a.pageInfo.endCursor))break;r=a.pageInfo.endCursor}if(s)return;for(let[t,n]of i.current)n.project.id===e.id&&i.current.delete(t);for(let e of n)i.current.set(e.id,e);for(let t of a.current.get(e.id)??[])c(t,!1)}catch(e){p(e)}finally{a.current.delete(e.id),d(e=>e+1),l(),k()}},f=r.map(e=>vt(Et,{projectId:e.id},{cursorOf:e=>e.reviewQueue.cursor,next:t=>{s||(a.current.get(e.id)?.push(t.reviewQueue),c(t.reviewQueue,!0),l(),k())},resync:()=>void u(e),error:e=>p(e)}));return()=>{s=!0,f.forEach(e=>e.stop())}},[r,t,e,l,k,n]);let A=O(),te=u>=r.length,j=g?i.current.get(g):void 0;!j&&A.length>0&&(j=A[Math.min(v.current,A.length-1)]);let M=j?.id??null,ne=j?A.findIndex(e=>e.id===j.id):-1;ne>=0&&(v.current=ne);let re=(e,t=!0)=>{_(e),e&&t&&requestAnimationFrame(()=>document.getElementById(`q-${e}`)?.focus())},ie=e=>{let t=O().filter(t=>t.id!==e&&!s.current.has(t.id)),n=A.findIndex(t=>t.id===e),r=A.slice(n+1).find(e=>t.includes(e))??t[0]??null;re(r?.id??null)},ae=async e=>{if(!j||w)return;if(n.canReview===!1){C(Ze(Error(`This token may not review (it is read-only).`)));return}if(e!==`approve`){ee(e);return}let t=j;T(!0),C(null);try{let e=await Qn(`approve`,t.id);N(e)}catch(e){C(e),n.announce(`Approval failed: ${Ze(e).message}`)}finally{T(!1)}},N=e=>{if(x(e),C(null),n.announce(e.message),e.quorumOpen){s.current.add(e.version.id);let t=i.current.get(e.version.id);t&&i.current.set(e.version.id,{...t,approvalProgress:e.version.approvalProgress})}ie(e.version.id),e.quorumOpen||i.current.delete(e.version.id),l(),k()};return L(()=>{let e=e=>{if(sr(e))return;let t=O(),n=M?t.findIndex(e=>e.id===M):-1;switch(e.key){case`j`:case`ArrowDown`:{if(e.key===`ArrowDown`&&!e.target.classList?.contains(`qi-btn`))return;let r=t[Math.min(t.length-1,n+1)];r&&re(r.id),e.preventDefault();break}case`k`:case`ArrowUp`:{if(e.key===`ArrowUp`&&!e.target.classList?.contains(`qi-btn`))return;let r=t[Math.max(0,n-1)];r&&re(r.id),e.preventDefault();break}case`a`:e.preventDefault(),ae(`approve`);break;case`r`:e.preventDefault(),ae(`reject`);break;case`c`:e.preventDefault(),ae(`changes`);break;case`o`:M&&tn(Y([`v`,M]))}};return document.addEventListener(`keydown`,e),()=>document.removeEventListener(`keydown`,e)}),W(`div`,{class:`queue-view`,children:[W(`div`,{class:`view-head`,children:[W(`h1`,{children:e?`Review queue — ${r[0]?.name??e}`:`Review queue — all projects`}),W(cr,{})]}),W(pr,{slug:e,prefix:t}),W(`dl`,{class:`counts`,"aria-label":`Versions by status${t?` under ${t}`:``}`,children:or.map(([e,t])=>W(`div`,{class:`count count-${e}`,children:[W(`dt`,{children:t}),W(`dd`,{children:m?m[e]:`…`})]},e))}),W(G,{error:f}),y&&W(`p`,{class:y.quorumOpen?`notice warn`:`notice ok`,role:`status`,children:y.message}),W(`p`,{class:`keys-hint`,id:`queue-keys`,children:[`Keys: `,W(`kbd`,{children:`j`}),`/`,W(`kbd`,{children:`k`}),` next/previous, `,W(`kbd`,{children:`a`}),` approve, `,W(`kbd`,{children:`r`}),` reject, `,W(`kbd`,{children:`c`}),` request changes,`,` `,W(`kbd`,{children:`o`}),` open.`]}),W(`div`,{class:`queue-layout`,children:[W(`section`,{class:`queue-list-wrap`,"aria-labelledby":`queue-list-h`,children:[W(`h2`,{id:`queue-list-h`,class:`sr-only`,children:`Pending versions`}),!te&&A.length===0&&W(ln,{what:`the queue`}),te&&A.length===0&&W(`p`,{class:`empty`,children:[`Nothing to review`,t?` under ${t}`:``,`. New versions appear here as they are created.`]}),W(`ol`,{class:`queue-list`,"aria-label":`Pending versions, oldest first`,"aria-describedby":`queue-keys`,"aria-busy":te?`false`:`true`,children:A.map(t=>W(`li`,{class:`qi${t.id===M?` selected`:``}${o.current.has(t.id)?` fresh`:``}`,children:W(`button`,{type:`button`,id:`q-${t.id}`,class:`qi-btn`,"aria-current":t.id===M?`true`:void 0,onClick:()=>re(t.id),onDblClick:()=>tn(Y([`v`,t.id])),children:[W(`span`,{class:`qi-line1`,children:[W(`span`,{class:`qi-key`,children:t.schemaKey}),` `,W(`span`,{class:`qi-ver`,children:[`v`,t.versionNumber]}),!e&&W(`span`,{class:`tag`,children:t.project.slug}),s.current.has(t.id)&&W(`span`,{class:`tag warn`,children:`you approved; quorum open`})]}),W(`span`,{class:`qi-line2`,children:[W(X,{actor:t.createdBy}),` · `,Zt(t.createdAt),t.sourceRun&&W(b,{children:[` `,`· `,t.sourceRun.pipeline,t.sourceRun.model?` (${t.sourceRun.model})`:``]})]}),W(`span`,{class:`qi-line3`,children:W(un,{p:t.approvalProgress})})]})},t.id))})]}),W(`section`,{class:`queue-preview`,"aria-label":`Selected version`,children:j?W(fr,{item:j,busy:w,canReview:n.canReview!==!1,onDecide:e=>void ae(e),error:S},j.id):W(`p`,{class:`muted`,children:`Select a version to see it here.`})})]}),E&&j&&W(dr,{kind:E,item:j,onDone:e=>{ee(null),N(e)},onCancel:()=>{ee(null),requestAnimationFrame(()=>document.getElementById(`q-${j.id}`)?.focus())}})]})}var ur=new Map;function dr({kind:e,item:t,onDone:n,onCancel:r}){return W($n,{kind:e,target:t,topPaths:er(ur.get(t.id)?.value),onDone:n,onCancel:r})}function fr({item:e,busy:t,canReview:n,onDecide:r,error:i}){let[a,o]=I(ur.get(e.id)??null),[s,c]=I(null);L(()=>{if(ur.has(e.id))return;let t=!1;return U(At,{id:e.id}).then(n=>{t||(n.artifactVersion&&ur.set(e.id,n.artifactVersion),o(n.artifactVersion??null))}).catch(e=>!t&&c(e)),()=>{t=!0}},[e.id]);let l=e.approvalProgress;return W(`div`,{class:`preview`,children:[W(`div`,{class:`preview-head`,children:[W(`h2`,{children:W(`a`,{href:Y([`v`,e.id]),children:[e.schemaKey,` v`,e.versionNumber]})}),W(cn,{status:e.status}),W(`span`,{class:`tag`,children:e.project.slug})]}),W(`p`,{class:`meta`,children:[`By `,W(X,{actor:e.createdBy}),`, `,Zt(e.createdAt),e.sourceRun&&W(b,{children:[` `,`· run `,W(`a`,{href:Y([`r`,e.sourceRun.id]),children:e.sourceRun.pipeline})]})]}),W(`p`,{children:[W(un,{p:l}),l.policy&&W(`span`,{class:`muted`,children:[` · policy `,l.policy.schemaKeyPattern]})]}),n?W(`div`,{class:`actions`,role:`group`,"aria-label":`Decision`,children:[W(`button`,{type:`button`,class:`btn ok`,disabled:t,onClick:()=>r(`approve`),"aria-keyshortcuts":`a`,children:[`Approve `,W(`kbd`,{children:`a`})]}),W(`button`,{type:`button`,class:`btn danger`,disabled:t,onClick:()=>r(`reject`),"aria-keyshortcuts":`r`,children:[`Reject… `,W(`kbd`,{children:`r`})]}),W(`button`,{type:`button`,class:`btn warn`,disabled:t,onClick:()=>r(`changes`),"aria-keyshortcuts":`c`,children:[`Request changes… `,W(`kbd`,{children:`c`})]}),W(`a`,{class:`btn`,href:Y([`v`,e.id]),"aria-keyshortcuts":`o`,children:[`Open `,W(`kbd`,{children:`o`})]})]}):W(`p`,{class:`notice`,children:`This token may read only: decisions are not offered.`}),W(G,{error:i,title:`The decision was not made`}),W(G,{error:s}),!a&&!s&&W(ln,{what:`the value`}),a&&W(b,{children:[W(Rn,{value:a.value,label:`value`,openDepth:2}),a.files.length>0&&W(ir,{files:a.files}),a.previous?W(Un,{patch:a.diff,before:a.previous.value,beforeLabel:`v${a.previous.versionNumber}`,afterLabel:`v${e.versionNumber}`,caption:`Changes since v${a.previous.versionNumber}`}):W(`p`,{class:`muted`,children:`First version of this key.`})]})]})}function pr({slug:e,prefix:t}){let[n,r]=I(t),i=e?[`p`,e,`queue`]:[`queue`];return W(`form`,{class:`filter-row`,role:`search`,"aria-label":`Filter the queue`,onSubmit:e=>{e.preventDefault(),tn(Y(i,{prefix:n.trim()}))},children:[W(`label`,{class:`field`,children:[W(`span`,{children:`Schema key prefix`}),W(`input`,{type:`text`,name:`prefix`,value:n,placeholder:`e.g. brand`,pattern:`[a-z0-9_\\-]+(\\.[a-z0-9_\\-]+)*`,title:`A dot path of a-z, 0-9, _ and - segments`,onInput:e=>r(e.target.value)})]}),W(`button`,{type:`submit`,class:`btn`,children:`Filter`}),t&&W(`a`,{class:`btn`,href:Y(i),children:`Clear`})]})}function mr(e,t=``,n=[],r=0){if(!dn(e)||r>2e3)return n;let i=e[`x-quire-tier`];typeof i==`string`&&t&&n.push({path:t,tier:i});let a=e.properties;if(dn(a))for(let[e,i]of Object.entries(a))mr(i,t?`${t}.${e}`:e,n,r+1);return dn(e.additionalProperties)&&mr(e.additionalProperties,`${t}.*`,n,r+1),dn(e.items)&&mr(e.items,`${t}[]`,n,r+1),Array.isArray(e.prefixItems)&&e.prefixItems.forEach((e,i)=>mr(e,`${t}[${i}]`,n,r+1)),Array.isArray(e.allOf)&&e.allOf.forEach(e=>mr(e,t,n,r+1)),n}function hr(e,t){return!/[[*]/.test(t)&&pn(e,t)!==Q}function gr({id:e}){let t=an(),[n,r]=I(null),[i,a]=I(null),[o,s]=I(null),[c,l]=I(void 0),[u,d]=I(null),[f,p]=I(0),[m,h]=I(null),[g,_]=I(null),[v,y]=I(!1),[x,S]=I(null),[C,w]=I(void 0);L(()=>{let t=!1;return a(null),(async()=>{try{let n=await U(Ft,{id:e});if(t)return;let i=n.artifactVersion;if(!i){a(new H([{message:`no version ${e} that this token may see`,extensions:{code:`NOT_FOUND`}}]));return}r(i);let o=await U(It,{slug:i.project.slug,key:i.schemaKey});if(t)return;s(o);let c=o.project?.artifact?.current;if(c&&c.id!==i.id){let e=await U(Lt,{id:i.id,against:c.id});t||l(e.artifactVersion?.diff??null)}else l(null);let u=o.artifactSchema?.version;if(u&&i.schemaVersion!=null&&i.schemaVersion<u)try{let e=await U(Rt,{id:i.id,schemaVersion:u});t||d({value:e.artifactVersion?.value})}catch(e){t||d({error:e})}else d(null)}catch(e){t||a(e)}})(),()=>{t=!0}},[e,f]);let T=n?.status===`PENDING`,E=async e=>{try{let t=(await U(Tt,{slug:e.project.slug})).project?.reviewQueue.edges.map(e=>e.node).find(t=>t.id!==e.id);w(t?.id??null)}catch{w(null)}},ee=e=>{h(e),_(null),t.announce(e.message),p(e=>e+1),n&&E(n)},D=async e=>{if(n&&T&&!v){if(e!==`approve`)S(e);else{y(!0);try{ee(await Qn(`approve`,n.id))}catch(e){_(e),t.announce(`Approval failed: ${Ze(e).message}`)}finally{y(!1)}}}};if(L(()=>{let e=e=>{if(!sr(e)&&T&&t.canReview!==!1){if(e.key===`a`)D(`approve`);else if(e.key===`r`)D(`reject`);else if(e.key===`c`)D(`changes`);else if(e.key===`n`&&C)tn(Y([`v`,C]));else return;e.preventDefault()}};return document.addEventListener(`keydown`,e),()=>document.removeEventListener(`keydown`,e)}),i)return W(G,{error:i,title:`This version cannot be shown`});if(!n)return W(ln,{what:`the version`});let O=o?.project?.artifact?.current??null,k=o?.project?.artifact?.latest??null,A=o?.artifactSchema??null,te=A?mr(A.jsonSchema):[],j=te.filter(e=>e.tier!==n.project.tier&&!hr(n.value,e.path)),M=n.base?.approvals.filter(e=>e.action===`REQUEST_CHANGES`||e.action===`REJECT`)??[];return W(`div`,{class:`version-view`,children:[W(`div`,{class:`view-head`,children:[W(`h1`,{children:[n.schemaKey,` `,W(`span`,{class:`ver`,children:[`v`,n.versionNumber]})]}),W(cn,{status:n.status}),n.promoted&&W(`span`,{class:`tag ok`,children:`in context`}),n.archived&&W(`span`,{class:`tag`,children:`archived`})]}),W(`p`,{class:`meta`,children:[W(`a`,{href:Y([`p`,n.project.slug,`queue`]),children:n.project.name}),` · created by `,W(X,{actor:n.createdBy}),` ·`,` `,K(n.createdAt),k&&k.id!==n.id&&W(b,{children:[` `,`· newest is `,W(`a`,{href:Y([`v`,k.id]),children:[`v`,k.versionNumber]})]})]}),m&&W(`div`,{class:m.quorumOpen?`notice warn`:`notice ok`,role:`status`,children:[W(`p`,{children:m.message}),C!==void 0&&(C?W(`p`,{children:[W(`a`,{class:`btn`,href:Y([`v`,C]),"aria-keyshortcuts":`n`,children:[`Next in the queue `,W(`kbd`,{children:`n`})]}),` `,W(`a`,{href:Y([`p`,n.project.slug,`queue`]),children:`Back to the queue`})]}):W(`p`,{children:[`The queue is empty. `,W(`a`,{href:Y([`p`,n.project.slug,`queue`]),children:`Back to the queue`})]}))]}),T&&t.canReview!==!1&&W(`div`,{class:`actions sticky-actions`,role:`group`,"aria-label":`Decision`,children:[W(un,{p:n.approvalProgress}),W(`button`,{type:`button`,class:`btn ok`,disabled:v,onClick:()=>void D(`approve`),"aria-keyshortcuts":`a`,children:[`Approve `,W(`kbd`,{children:`a`})]}),W(`button`,{type:`button`,class:`btn danger`,disabled:v,onClick:()=>void D(`reject`),"aria-keyshortcuts":`r`,children:[`Reject… `,W(`kbd`,{children:`r`})]}),W(`button`,{type:`button`,class:`btn warn`,disabled:v,onClick:()=>void D(`changes`),"aria-keyshortcuts":`c`,children:[`Request changes… `,W(`kbd`,{children:`c`})]})]}),T&&t.canReview===!1&&W(`p`,{class:`notice`,children:`This token may read only: decisions are not offered.`}),W(G,{error:g,title:`The decision was not made`}),W(`div`,{class:`grid`,children:[W(Z,{title:`Value`,id:`value`,children:[j.length>0&&W(`p`,{class:`notice gated`,role:`note`,children:[`This project is at tier `,W(`strong`,{children:n.project.tier}),`: fields gated to another tier are hidden here:`,` `,j.map((e,t)=>W(`span`,{children:[t>0&&`, `,W(`code`,{children:e.path}),` (`,e.tier,`)`]},e.path)),`.`]}),W(Rn,{value:n.value,label:`value`}),n.files.length>0&&W(b,{children:[W(`h3`,{children:`Files`}),W(ir,{files:n.files,primaryId:n.primaryFile?.id??null})]})]}),W(Z,{title:`Changes`,id:`changes`,children:[n.previous?W(Un,{patch:n.diff,before:n.previous.value,beforeLabel:`v${n.previous.versionNumber} (previous, ${J(n.previous.status)})`,afterLabel:`v${n.versionNumber}`,caption:`Against the previous version, v${n.previous.versionNumber}`}):W(`p`,{class:`muted`,children:`Version 1: there is no previous version.`}),O===null&&o&&W(`p`,{class:`muted`,children:`The key has no APPROVED version to compare with.`}),O&&O.id===n.id&&W(`p`,{class:`muted`,children:`This is the key's current APPROVED version.`}),O&&O.id!==n.id&&c!==void 0&&W(Un,{patch:c,before:O.value,beforeLabel:`v${O.versionNumber} (approved)`,afterLabel:`v${n.versionNumber}`,caption:`Against the current APPROVED version, v${O.versionNumber}`})]}),W(Z,{title:`Review`,id:`review`,children:[W(un,{p:n.approvalProgress}),W(`dl`,{class:`facts`,children:[n.approvalProgress.policy&&W($,{k:`Policy`,children:[W(`code`,{children:n.approvalProgress.policy.schemaKeyPattern}),`: `,n.approvalProgress.policy.requiredApprovals,` approval(s)`,n.approvalProgress.policy.requiredActorTypes.length>0&&`, including ${n.approvalProgress.policy.requiredActorTypes.map(J).join(`, `)}`]}),W($,{k:`Approvals still needed`,children:n.approvalProgress.stillNeeded}),W($,{k:`Actor types still required`,children:n.approvalProgress.missingActorTypes.length>0?n.approvalProgress.missingActorTypes.map(J).join(`, `):`none`}),n.ruleOutcome&&W($,{k:`Rule outcome`,children:n.ruleOutcome}),n.reviewedBy&&W($,{k:`Reviewed`,children:[W(X,{actor:n.reviewedBy}),`, `,K(n.reviewedAt)]}),n.rejectionReason&&W($,{k:`Rejection reason`,children:n.rejectionReason})]}),W(`h3`,{children:`History`}),n.approvals.length===0?W(`p`,{class:`muted`,children:`No review yet.`}):W(`ol`,{class:`history`,children:n.approvals.map(e=>W(`li`,{children:[W(`span`,{class:`op-badge act-${e.action.toLowerCase()}`,children:J(e.action)}),` `,W(X,{actor:e.actor}),` `,W(`span`,{class:`muted`,children:K(e.createdAt)}),e.contextVersion!=null&&W(`span`,{class:`muted`,children:[` · context v`,e.contextVersion]}),e.reason&&W(`p`,{class:`reason`,children:[`“`,e.reason,`”`]}),e.feedback!=null&&W(Rn,{value:e.feedback,label:`feedback`,openDepth:3})]},e.id))}),n.base&&W(b,{children:[W(`h3`,{children:`Revises`}),W(`p`,{children:[W(`a`,{href:Y([`v`,n.base.id]),children:[`v`,n.base.versionNumber]}),` (`,J(n.base.status),`)`]}),M.map(e=>W(`div`,{class:`answers`,children:[W(`p`,{children:[`Feedback it answers, by `,W(X,{actor:e.actor}),e.reason&&W(b,{children:[`: “`,e.reason,`”`]})]}),e.feedback!=null&&W(Rn,{value:e.feedback,label:`feedback`})]},e.id))]}),n.revisions.length>0&&W(b,{children:[W(`h3`,{children:`Revised by`}),W(`ul`,{class:`inline-list`,children:n.revisions.map(e=>W(`li`,{children:[W(`a`,{href:Y([`v`,e.id]),children:[`v`,e.versionNumber]}),` `,W(cn,{status:e.status})]},e.id))})]})]}),W(Z,{title:`Source`,id:`source`,children:[n.sourceRun?W(`dl`,{class:`facts`,children:[W($,{k:`Run`,children:[W(`a`,{href:Y([`r`,n.sourceRun.id]),children:n.sourceRun.pipeline}),` `,W(cn,{status:n.sourceRun.status})]}),W($,{k:`Model`,children:n.sourceRun.model??`—`}),W($,{k:`Tokens`,children:[q(n.sourceRun.inputTokens),` in / `,q(n.sourceRun.outputTokens),` out`]}),W($,{k:`Cost`,children:Qt(n.sourceRun.cost)}),W($,{k:`Started`,children:K(n.sourceRun.createdAt)})]}):W(`p`,{class:`muted`,children:`No source run was named.`}),n.sourceStep&&W(b,{children:[W(`h3`,{children:[`Step `,n.sourceStep.order,`: `,n.sourceStep.agentName]}),W(`dl`,{class:`facts`,children:[W($,{k:`Agent id`,children:n.sourceStep.agentId}),W($,{k:`Model`,children:n.sourceStep.model??`—`}),W($,{k:`Tokens`,children:[q(n.sourceStep.inputTokens),` in / `,q(n.sourceStep.outputTokens),` out`]}),W($,{k:`Cost`,children:Qt(n.sourceStep.cost)})]}),n.sourceStep.summary&&W(`p`,{class:`summary`,children:n.sourceStep.summary}),n.sourceStep.output&&W(`details`,{children:[W(`summary`,{children:[`Step output (`,q(n.sourceStep.outputTokenCount),` tokens)`]}),W(`pre`,{class:`output`,children:n.sourceStep.output})]})]})]}),W(Z,{title:`Annotations`,id:`annotations`,children:[n.annotations==null?W(`p`,{class:`muted`,children:`None.`}):W(Rn,{value:n.annotations,label:`annotations`}),n.annotationHistory.length>0&&W(`details`,{children:[W(`summary`,{children:[n.annotationHistory.length,` change(s) to the annotations`]}),W(`ol`,{class:`history`,children:n.annotationHistory.map(e=>W(`li`,{children:[`Revision `,e.revision,` by `,W(X,{actor:e.actor}),` `,W(`span`,{class:`muted`,children:K(e.createdAt)}),W(Rn,{value:e.annotations,label:`revision ${e.revision}`,openDepth:1})]},e.revision))})]})]}),W(Z,{title:`Schema`,id:`schema`,children:[W(`dl`,{class:`facts`,children:[W($,{k:`Validated against`,children:n.schemaVersion==null?`no schema (none was registered)`:`schema v${n.schemaVersion} of ${n.schemaKey}`}),W($,{k:`Newest schema`,children:A?`v${A.version}, ${K(A.createdAt)}`:`none`}),W($,{k:`Project tier`,children:n.project.tier}),W($,{k:`Digest`,children:W(`code`,{class:`digest`,children:n.digest})})]}),te.length>0&&W(`p`,{children:[`Gated fields:`,` `,te.map((e,t)=>W(`span`,{children:[t>0&&`, `,W(`code`,{children:e.path}),` → `,e.tier]},e.path))]}),u?.error!=null&&W(G,{error:u.error,title:`This value does not read in the newest schema's shape (v${A?.version})`}),u&&u.error==null&&W(`details`,{children:[W(`summary`,{children:[`The value in the newest schema's shape (v`,A?.version,`)`]}),W(Rn,{value:u.value,label:`value as schema v${A?.version}`})]}),W(`p`,{class:`muted`,children:[`Quire validates each value against its key's newest schema when it is written, so a stored version has no violations of its own schema; refused writes list theirs (`,W(`code`,{children:`extensions.violations`}),`).`]})]})]}),x&&W($n,{kind:x,target:n,topPaths:er(n.value),onDone:e=>{S(null),ee(e)},onCancel:()=>S(null)})]})}function $({k:e,children:t}){return W(`div`,{class:`fact`,children:[W(`dt`,{children:e}),W(`dd`,{children:t})]})}function _r({id:e}){let[t,n]=I(null),[r,i]=I(null);return L(()=>{let t=!1;return n(null),U(Wt,{id:e}).then(r=>{t||(r.run?n(r.run):i(new H([{message:`no run ${e} that this token may see`,extensions:{code:`NOT_FOUND`}}])))}).catch(e=>!t&&i(e)),()=>{t=!0}},[e]),r?W(G,{error:r,title:`This run cannot be shown`}):t?W(`div`,{class:`run-view`,children:[W(`div`,{class:`view-head`,children:[W(`h1`,{children:[`Run: `,t.pipeline]}),W(cn,{status:t.status})]}),W(`p`,{class:`meta`,children:[W(`a`,{href:Y([`p`,t.project.slug,`runs`]),children:t.project.name}),` · `,W(`code`,{children:t.id})]}),W(`div`,{class:`grid`,children:[W(Z,{title:`Summary`,id:`summary`,children:[W(`dl`,{class:`facts`,children:[W($,{k:`Model`,children:t.model??`—`}),W($,{k:`Tokens`,children:[q(t.inputTokens),` in / `,q(t.outputTokens),` out`]}),W($,{k:`Cost`,children:Qt(t.cost)}),W($,{k:`Created by`,children:W(X,{actor:t.createdBy})}),W($,{k:`Created`,children:K(t.createdAt)}),W($,{k:`Started`,children:K(t.startedAt)}),W($,{k:`Completed`,children:K(t.completedAt)}),t.parent&&W($,{k:`Parent run`,children:W(`a`,{href:Y([`r`,t.parent.id]),children:t.parent.pipeline})}),t.error&&W($,{k:`Error`,children:t.error})]}),t.children.length>0&&W(b,{children:[W(`h3`,{children:`Child runs`}),W(`ul`,{class:`inline-list`,children:t.children.map(e=>W(`li`,{children:[W(`a`,{href:Y([`r`,e.id]),children:e.pipeline}),` `,W(cn,{status:e.status})]},e.id))})]}),t.input&&W(`details`,{children:[W(`summary`,{children:`Input`}),W(`pre`,{class:`output`,children:t.input})]}),t.variables!=null&&W(Rn,{value:t.variables,label:`variables`,openDepth:1}),t.output&&W(`details`,{children:[W(`summary`,{children:`Output`}),W(`pre`,{class:`output`,children:t.output})]})]}),W(Z,{title:`Outputs and inputs`,id:`outputs`,children:[W(`h3`,{children:`Versions this run produced`}),t.outputs.length===0?W(`p`,{class:`muted`,children:`None.`}):W(`ul`,{class:`link-list`,children:t.outputs.map(e=>W(`li`,{children:[W(`a`,{href:Y([`v`,e.id]),children:[e.schemaKey,` v`,e.versionNumber]}),` `,W(cn,{status:e.status})]},e.id))}),W(`h3`,{children:`Versions it read`}),t.inputs.length===0?W(`p`,{class:`muted`,children:`None recorded.`}):W(`ul`,{class:`link-list`,children:t.inputs.map(e=>W(`li`,{children:[W(`a`,{href:Y([`v`,e.id]),children:[e.schemaKey,` v`,e.versionNumber]}),` `,W(cn,{status:e.status})]},e.id))})]})]}),W(Z,{title:`Steps (${t.steps.length})`,id:`steps`,children:t.steps.length===0?W(`p`,{class:`muted`,children:`No steps recorded.`}):W(`ol`,{class:`steps`,children:t.steps.map(e=>W(`li`,{class:`step`,children:[W(`div`,{class:`step-head`,children:[W(`span`,{class:`step-order`,children:[`#`,e.order]}),` `,W(`strong`,{children:e.agentName}),` `,W(`code`,{class:`muted`,children:e.agentId})]}),W(`dl`,{class:`facts compact`,children:[W($,{k:`Model`,children:e.model??`—`}),W($,{k:`Tokens`,children:[q(e.inputTokens),` in / `,q(e.outputTokens),` out`]}),W($,{k:`Output tokens counted`,children:q(e.outputTokenCount)}),W($,{k:`Cost`,children:Qt(e.cost)}),W($,{k:`Recorded`,children:K(e.createdAt)})]}),e.summary?W(`p`,{class:`summary`,children:[W(`span`,{class:`muted`,children:[`Summary (`,q(e.summaryTokenCount),` tokens):`]}),` `,e.summary]}):W(`p`,{class:`muted`,children:`No summary.`}),e.output&&W(`details`,{children:[W(`summary`,{children:`Output`}),W(`pre`,{class:`output`,children:e.output})]})]},e.id))})}),W(Z,{title:`Assembled context`,id:`assembled`,children:[W(`p`,{class:`muted`,children:`What the next agent of this run gets from Quire, cut to a token budget.`}),W(on,{runId:t.id})]})]}):W(ln,{what:`the run`})}function vr({title:e,bars:t,unit:n}){if(t.length===0)return W(`p`,{class:`muted`,children:`No runs in this range.`});let r=Math.max(...t.map(e=>e.value),0)||1,i=t.length*28+8,a=`chart-${e.replace(/\W+/g,`-`).toLowerCase()}`;return W(`figure`,{class:`chart`,children:[W(`svg`,{class:`bar-chart`,viewBox:`0 0 600 ${i}`,role:`img`,"aria-labelledby":`${a}-t`,preserveAspectRatio:`xMinYMin meet`,children:[W(`title`,{id:`${a}-t`,children:e}),t.map((e,t)=>{let n=Math.max(e.value>0?2:0,e.value/r*340),i=4+t*28,a=e.label.length>22?e.label.slice(0,21)+`…`:e.label;return W(`g`,{children:[W(`text`,{class:`bar-label`,x:142,y:i+17,"text-anchor":`end`,children:a}),W(`rect`,{class:`bar`,x:150,y:i+4,width:n,height:18,rx:3}),W(`text`,{class:`bar-value`,x:150+n+6,y:i+17,children:e.display})]},e.label)})]}),W(`figcaption`,{children:W(`details`,{children:[W(`summary`,{children:[e,`: as a table`]}),W(`div`,{class:`scroll-x`,children:W(`table`,{class:`data`,children:[W(`thead`,{children:W(`tr`,{children:[W(`th`,{scope:`col`,children:`Group`}),W(`th`,{scope:`col`,children:n}),W(`th`,{scope:`col`,children:`Note`})]})}),W(`tbody`,{children:t.map(e=>W(`tr`,{children:[W(`th`,{scope:`row`,children:e.label}),W(`td`,{class:`num`,children:e.display}),W(`td`,{children:e.note??``})]},e.label))})]})})]})})]})}var yr=[`PENDING`,`RUNNING`,`COMPLETED`,`FAILED`,`CANCELLED`],br={newest:{label:`Newest first`,order:null},oldest:{label:`Oldest first`,order:{field:`CREATED_AT`,direction:`ASC`}},costly:{label:`Most expensive first`,order:{field:`COST`,direction:`DESC`}},completed:{label:`Recently completed first`,order:{field:`COMPLETED_AT`,direction:`DESC`}}},xr=25;function Sr(e,t=!1){if(e)return`${e}T${t?`23:59:59`:`00:00:00`}Z`}function Cr(e){let t={},n=(e.get(`status`)??``).split(`,`).filter(e=>yr.includes(e));n.length&&(t.status=n),e.get(`pipeline`)&&(t.pipeline=e.get(`pipeline`)),e.get(`model`)&&(t.model=e.get(`model`));let r=Sr(e.get(`from`)??``),i=Sr(e.get(`to`)??``,!0);return r&&(t.createdAfter=r),i&&(t.createdBefore=i),e.get(`minCost`)&&(t.minCost=e.get(`minCost`)),t}function wr({slug:e,query:t}){let n=Cr(t),r=br[t.get(`order`)??`newest`]?.order??null,[i,a]=I({}),[o,s]=I(null),[c,l]=I(null),u=t.toString();return L(()=>a({}),[e,u]),L(()=>{let t=!1,a={slug:e,where:n};return r&&(a.orderBy=r),i.before?(a.last=xr,a.before=i.before):(a.first=xr,i.after&&(a.after=i.after)),l(null),U(Ht,a).then(e=>!t&&s(e.project?.runs??null)).catch(e=>!t&&l(e)),()=>{t=!0}},[e,u,i.after,i.before]),W(`div`,{class:`runs-view`,children:[W(`div`,{class:`view-head`,children:W(`h1`,{children:`Runs`})}),W(Tr,{slug:e,query:t}),W(G,{error:c}),W(Z,{title:o?`Runs (${q(o.totalCount)})`:`Runs`,id:`runs`,children:[!o&&!c&&W(ln,{what:`runs`}),o&&o.edges.length===0&&W(`p`,{class:`empty`,children:`No run matches.`}),o&&o.edges.length>0&&W(b,{children:[W(`div`,{class:`scroll-x`,children:W(`table`,{class:`data runs-table`,children:[W(`caption`,{class:`sr-only`,children:`Runs`}),W(`thead`,{children:W(`tr`,{children:[W(`th`,{scope:`col`,children:`Pipeline`}),W(`th`,{scope:`col`,children:`Model`}),W(`th`,{scope:`col`,children:`Status`}),W(`th`,{scope:`col`,class:`num`,children:`Tokens in / out`}),W(`th`,{scope:`col`,class:`num`,children:`Cost`}),W(`th`,{scope:`col`,children:`Created by`}),W(`th`,{scope:`col`,children:`Created`})]})}),W(`tbody`,{children:o.edges.map(({node:e})=>W(`tr`,{children:[W(`th`,{scope:`row`,"data-label":`Pipeline`,children:W(`a`,{href:Y([`r`,e.id]),children:e.pipeline})}),W(`td`,{"data-label":`Model`,children:e.model??`—`}),W(`td`,{"data-label":`Status`,children:W(cn,{status:e.status})}),W(`td`,{class:`num`,"data-label":`Tokens`,children:[q(e.inputTokens),` / `,q(e.outputTokens)]}),W(`td`,{class:`num`,"data-label":`Cost`,children:Qt(e.cost)}),W(`td`,{"data-label":`Created by`,children:W(X,{actor:e.createdBy})}),W(`td`,{"data-label":`Created`,children:K(e.createdAt)})]},e.id))})]})}),W(`nav`,{class:`pager`,"aria-label":`Pages of runs`,children:[W(`button`,{type:`button`,class:`btn`,disabled:!(i.after||i.before&&o.pageInfo.hasPreviousPage),onClick:()=>o.pageInfo.startCursor&&a({before:o.pageInfo.startCursor}),children:`← Previous`}),W(`button`,{type:`button`,class:`btn`,disabled:!i.before&&!o.pageInfo.hasNextPage,onClick:()=>o.pageInfo.endCursor&&a({after:o.pageInfo.endCursor}),children:`Next →`})]})]})]}),W(Er,{slug:e,from:n.createdAfter??void 0,to:n.createdBefore??void 0})]})}function Tr({slug:e,query:t}){let[n,r]=I(()=>({status:new Set((t.get(`status`)??``).split(`,`).filter(Boolean)),pipeline:t.get(`pipeline`)??``,model:t.get(`model`)??``,from:t.get(`from`)??``,to:t.get(`to`)??``,minCost:t.get(`minCost`)??``,order:t.get(`order`)??`newest`})),i=e=>t=>r({...n,[e]:t.target.value});return W(`form`,{class:`filters`,role:`search`,"aria-label":`Filter runs`,onSubmit:t=>{t.preventDefault(),tn(Y([`p`,e,`runs`],{status:[...n.status].join(`,`),pipeline:n.pipeline.trim(),model:n.model.trim(),from:n.from,to:n.to,minCost:n.minCost.trim(),order:n.order===`newest`?``:n.order}))},children:[W(`fieldset`,{class:`status-set`,children:[W(`legend`,{children:`Status`}),yr.map(e=>W(`label`,{class:`inline-check`,children:[W(`input`,{type:`checkbox`,checked:n.status.has(e),onChange:t=>{let i=new Set(n.status);t.target.checked?i.add(e):i.delete(e),r({...n,status:i})}}),J(e)]},e))]}),W(`label`,{class:`field`,children:[W(`span`,{children:`Pipeline`}),W(`input`,{type:`text`,value:n.pipeline,onInput:i(`pipeline`),maxLength:200})]}),W(`label`,{class:`field`,children:[W(`span`,{children:`Model`}),W(`input`,{type:`text`,value:n.model,onInput:i(`model`),maxLength:200})]}),W(`label`,{class:`field`,children:[W(`span`,{children:`Created from`}),W(`input`,{type:`date`,value:n.from,onInput:i(`from`),min:`2000-01-01`,max:`2100-12-31`})]}),W(`label`,{class:`field`,children:[W(`span`,{children:`Created to`}),W(`input`,{type:`date`,value:n.to,onInput:i(`to`),min:`2000-01-01`,max:`2100-12-31`})]}),W(`label`,{class:`field`,children:[W(`span`,{children:`Minimum cost`}),W(`input`,{type:`text`,inputMode:`decimal`,pattern:`[0-9]+(\\.[0-9]+)?`,value:n.minCost,onInput:i(`minCost`)})]}),W(`div`,{class:`field`,children:[W(`label`,{for:`runs-order`,children:`Order`}),W(`select`,{id:`runs-order`,value:n.order,onChange:i(`order`),children:Object.entries(br).map(([e,t])=>W(`option`,{value:e,children:t.label},e))})]}),W(`div`,{class:`filter-actions`,children:[W(`button`,{type:`submit`,class:`btn`,children:`Apply`}),W(`a`,{class:`btn`,href:Y([`p`,e,`runs`]),children:`Reset`})]})]})}function Er({slug:e,from:t,to:n}){let[r,i]=I(`MODEL`),[a,o]=I(null),[s,c]=I(null);L(()=>{let i=!1;c(null);let a={slug:e,groupBy:r};return t&&(a.from=t),n&&(a.to=n),U(Ut,a).then(e=>!i&&o(e.project?.costSummary??[])).catch(e=>!i&&c(e)),()=>{i=!0}},[e,r,t,n]);let l={MODEL:`model`,PIPELINE:`pipeline`,DAY:`day`}[r];return W(Z,{title:`Cost`,id:`cost`,actions:W(`div`,{class:`field inline`,children:[W(`label`,{for:`cost-group`,children:`Group by`}),W(`select`,{id:`cost-group`,value:r,onChange:e=>i(e.target.value),children:[W(`option`,{value:`MODEL`,children:`Model`}),W(`option`,{value:`PIPELINE`,children:`Pipeline`}),W(`option`,{value:`DAY`,children:`Day`})]})]}),children:[W(G,{error:s}),!a&&!s&&W(ln,{what:`costs`}),a&&W(vr,{title:`Cost by ${l}`,unit:`Cost`,bars:a.map(e=>({label:e.key,value:Number(e.cost),display:Qt(e.cost),note:`${q(e.runs)} runs, ${q(e.inputTokens)} in / ${q(e.outputTokens)} out tokens${e.unpricedRuns>0?`, ${e.unpricedRuns} unpriced (not in the cost)`:``}`}))})]})}async function Dr(e){let t=await U(Ct,void 0,{token:e}),n=null;try{let{errors:t}=await st(wt,void 0,{token:e}),r=t?.[0]?.extensions?.code;r===`FORBIDDEN`?n=!1:r===`NOT_FOUND`&&(n=!0)}catch{n=null}return{viewer:t.viewer,projects:t.projects.edges.map(e=>e.node),canReview:n}}function Or(){let[e,t]=I(rt()),[n,r]=I(null),[i,a]=I(null),[o,s]=I(``),c=Te(null),l=De(e=>{s(``),requestAnimationFrame(()=>s(e))},[]),u=De(()=>{nt(null),t(null),r(null),tn(`#/`,!0)},[]);L(()=>{if(!e)return;let n=!1;return Dr(e).then(e=>!n&&r(e)).catch(e=>{n||(a(e),Ze(e).hasCode(`UNAUTHENTICATED`)&&(nt(null),t(null)))}),()=>{n=!0}},[e]),L(()=>it(()=>{a(Ze(Error(`The token was refused (UNAUTHENTICATED): sign in again.`))),nt(null),t(null),r(null)}),[]);let d=Ee(()=>e&&n?{token:e,...n,announce:l,signOut:u}:null,[e,n,l,u]);return W(b,{children:[W(`a`,{class:`skip`,href:`#main`,onClick:e=>{e.preventDefault(),document.getElementById(`main`)?.focus()},children:`Skip to content`}),W(`div`,{class:`sr-only`,"aria-live":`polite`,"aria-atomic":`true`,ref:c,id:`announcer`,children:o}),d?W(rn.Provider,{value:d,children:W(jr,{session:d})}):e&&!i?W(`main`,{id:`main`,tabIndex:-1,class:`signin`,children:W(`p`,{role:`status`,children:`Signing in…`})}):W(kr,{error:i,onToken:e=>{a(null),nt(e),t(e)}})]})}function kr({error:e,onToken:t}){let[n,r]=I(``);return W(`main`,{id:`main`,tabIndex:-1,class:`signin`,children:W(`form`,{class:`card signin-card`,"aria-labelledby":`signin-h`,onSubmit:e=>{e.preventDefault();let r=n.trim().replace(/^Bearer\s+/i,``);r&&t(r)},children:[W(`h1`,{id:`signin-h`,children:`Quire review console`}),W(`p`,{children:`Paste an API token. It is kept in this browser's local storage until you sign out, and sent only to this server.`}),W(`label`,{class:`field`,children:[W(`span`,{children:`API token`}),W(`input`,{type:`password`,name:`token`,autoComplete:`off`,spellcheck:!1,placeholder:`qk_…`,value:n,onInput:e=>r(e.target.value),required:!0})]}),W(G,{error:e,title:`Sign-in failed`}),W(`button`,{type:`submit`,class:`btn ok`,children:`Sign in`}),W(`p`,{class:`muted small`,children:[`Create one with `,W(`code`,{children:`quire token create --name you --role reviewer --actor-type human`}),`.`]})]})})}function Ar(e,t){let[n,r]=e.path;if(n===`p`&&r)return r;let i=sessionStorage.getItem(`quire.console.project`);return i&&t.projects.some(e=>e.slug===i)?i:t.projects[0]?.slug??null}function jr({session:e}){let t=nn(),n=Ar(t,e),[r,,i]=t.path;L(()=>{t.path[0]===`p`&&t.path[1]&&sessionStorage.setItem(`quire.console.project`,t.path[1])},[t.path[0],t.path[1]]);let a=Te(!0);L(()=>{a.current?a.current=!1:(document.getElementById(`main`)?.focus({preventScroll:!1}),window.scrollTo(0,0))},[t.path.join(`/`)]);let o=r===`queue`||i===`queue`||!r||r===`v`?`queue`:r===`r`?`runs`:i??`queue`,s=e.canReview===!0?`may review`:e.canReview===!1?`read-only`:`role unknown`;return W(b,{children:[W(`header`,{class:`topbar`,children:[W(`a`,{class:`brand`,href:Y([`queue`]),children:[`Quire `,W(`span`,{children:`review`})]}),W(`nav`,{"aria-label":`Main`,children:W(`ul`,{children:[W(`li`,{children:W(`a`,{href:Y(n?[`p`,n,`queue`]:[`queue`]),"aria-current":o===`queue`?`page`:void 0,children:`Queue`})}),n&&W(b,{children:[W(`li`,{children:W(`a`,{href:Y([`p`,n,`promote`]),"aria-current":o===`promote`?`page`:void 0,children:`Promote`})}),W(`li`,{children:W(`a`,{href:Y([`p`,n,`runs`]),"aria-current":o===`runs`?`page`:void 0,children:`Runs`})}),W(`li`,{children:W(`a`,{href:Y([`p`,n,`context`]),"aria-current":o===`context`?`page`:void 0,children:`Context`})})]})]})}),W(Mr,{projects:e.projects,slug:t.path[0]===`queue`?null:n,view:o}),W(`div`,{class:`who`,children:[W(`span`,{class:`who-name`,children:e.viewer.name}),` `,W(`span`,{class:`muted`,children:[J(e.viewer.type),`, `,s]}),W(`button`,{type:`button`,class:`btn small`,onClick:e.signOut,children:`Sign out`})]})]}),W(`main`,{id:`main`,tabIndex:-1,children:W(Nr,{route:t,slug:n})}),W(`footer`,{class:`foot`,children:[W(`a`,{href:`./LICENSES.txt`,children:`Licences`}),` · `,W(`a`,{href:`/graphql`,children:`GraphQL playground`})]})]})}function Mr({projects:e,slug:t,view:n}){return W(`div`,{class:`field inline picker`,children:[W(`label`,{for:`project-picker`,children:`Project`}),W(`select`,{id:`project-picker`,value:t??``,onChange:e=>{let t=e.target.value;tn(Y(t?[`p`,t,n===`queue`?`queue`:n]:[`queue`]))},children:[n===`queue`&&W(`option`,{value:``,children:`All projects`}),e.map(e=>W(`option`,{value:e.slug,children:e.name},e.id))]})]})}function Nr({route:e,slug:t}){let[n,r,i]=e.path;if(n===`v`&&r)return W(gr,{id:r},r);if(n===`r`&&r)return W(_r,{id:r},r);if(n===`queue`){let t=e.query.get(`prefix`)??``;return W(lr,{slug:null,prefix:t},`*:${t}`)}if(n===`p`&&r){if(i===`promote`)return W(Zn,{slug:r},r);if(i===`runs`)return W(wr,{slug:r,query:e.query},r);if(i===`context`)return W(qn,{slug:r},r);let t=e.query.get(`prefix`)??``;return W(lr,{slug:r,prefix:t},`${r}:${t}`)}return t?W(lr,{slug:t,prefix:``},`${t}:`):W(`p`,{class:`empty`,children:`This token sees no project.`})}var Pr=document.getElementById(`app`);Pr&&(Pr.textContent=``,ce(W(Or,{}),Pr));